/** pgo-scheduler's cron expressions (robfig/cron v3's standard parser): what it refused, and when it ran the rest. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cronProblem, nextRun } from '../../src/domain/cron.js';

const AT = new Date('2026-11-25T10:07:30Z');
const next = (spec: string) => nextRun(spec, AT)?.toISOString();

describe('cron expressions', () => {
  test('five fields with names, ranges, lists and steps pass', () => {
    assert.deepEqual(['* * * * *', '0 3 * * mon', '*/10 1-3 * JAN-MAR *', '5/15 * * * *', '? ? * * *', 'CRON_TZ=Europe/Paris 0 1 * * *'].map(cronProblem), [undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  test('the parser\'s refusals are its own words', () => {
    assert.equal(cronProblem('* * * *'), 'expected exactly 5 fields, found 4: [* * * *]');
    assert.equal(cronProblem('0 0 * * 7'), 'end of range (7) above maximum (6): 7');
    assert.equal(cronProblem('@daily'), 'parser does not accept descriptors: @daily');
  });

  test('every minute runs at the next minute boundary', () => {
    assert.equal(next('* * * * *'), '2026-11-25T10:08:00.000Z');
  });

  test('N/step runs from N to the end of the field', () => {
    assert.equal(next('5/15 * * * *'), '2026-11-25T10:20:00.000Z');
    assert.equal(next('1,5/20 * * * *'), '2026-11-25T10:25:00.000Z');
  });

  test('? is a wildcard, not the time the schedule was read', () => {
    assert.equal(next('? ? * * *'), '2026-11-25T10:08:00.000Z');
  });

  test('a day of month and a day of week both restricted run on either', () => {
    assert.equal(next('0 0 13 * fri'), '2026-11-27T00:00:00.000Z');
  });

  test('times are UTC unless the expression names a zone', () => {
    assert.equal(next('0 9 * * *'), '2026-11-26T09:00:00.000Z');
    assert.equal(next('CRON_TZ=America/New_York 0 9 * * *'), '2026-11-25T14:00:00.000Z');
  });

  test('an expression the scheduler refused has no next run', () => {
    assert.throws(() => nextRun('0 0 * * 7', AT), /above maximum/);
  });
});
