/** Storage quantities read as bytes and written back as apimachinery's binary-SI String(). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { binaryQuantity, quantityBytes } from '../../src/domain/quantity.js';

describe('storage quantities', () => {
  test('decimal and binary suffixes read as exact byte counts', () => {
    assert.deepEqual(['300M', '1Gi', '1.5Gi', '2k', '0.3G', '7'].map(quantityBytes), [300_000_000n, 1_073_741_824n, 1_610_612_736n, 2000n, 300_000_000n, 7n]);
  });

  test('an exponent reads as a power of ten', () => {
    assert.deepEqual(['1e3', '5E2', '12e-1'].map(quantityBytes), [1000n, 500n, 2n]);
  });

  test('a fraction of a byte rounds up, as Quantity.Value() does', () => {
    assert.equal(quantityBytes('100m'), 1n);
  });

  test('text that is not a quantity reads as undefined', () => {
    assert.deepEqual(['', 'lots', '1Q', '1.2.3'].map(quantityBytes), [undefined, undefined, undefined, undefined]);
  });

  test('a sum written back takes the largest power-of-1024 suffix that divides it exactly', () => {
    assert.deepEqual([2_147_483_648n, 1536n * 1024n, 1024n ** 6n * 3n].map(binaryQuantity), ['2Gi', '1536Ki', '3Ei']);
  });

  test('a sum no power of 1024 divides, or under 1024, is written as plain bytes', () => {
    assert.deepEqual([600_000_000n, 1023n, 0n].map(binaryQuantity), ['600000000', '1023', '0']);
  });
});
