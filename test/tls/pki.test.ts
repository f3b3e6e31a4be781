import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { constantTimeEqual, ensureCertificateAuthority, ensureServerCertificate, generateToken, serialNumber } from '../../src/tls/pki.js';

describe('generated TLS material', () => {
  test('serial numbers are 16-byte positive DER integers with no padding byte', () => {
    for (let i = 0; i < 10_000; i++) {
      const serial = serialNumber();
      assert.match(serial, /^[0-9a-f]{32}$/);
      const first = parseInt(serial.slice(0, 2), 16);
      assert.ok(first >= 0x01 && first <= 0x7f, `first byte ${serial.slice(0, 2)}`);
    }
  });

  const dir = mkdtempSync(join(tmpdir(), 'pki-'));
  const ca = ensureCertificateAuthority(dir);

  test('the CA is self-signed, marked as a CA, and its key is readable by the owner only', () => {
    const cert = new X509Certificate(ca.certPem);
    assert.equal(cert.ca, true);
    assert.ok(cert.verify(cert.publicKey));
    assert.equal(statSync(join(dir, 'ca.key')).mode & 0o777, 0o600);
  });

  test('a second call reuses the CA on disk', () => {
    assert.equal(ensureCertificateAuthority(dir).certPem, ca.certPem);
  });

  test('a server certificate is signed by the CA and covers loopback and the given hosts', () => {
    const server = ensureServerCertificate(dir, 'api', ca, ['pgo.example.com', '10.1.2.3']);
    const cert = new X509Certificate(server.certPem);
    assert.ok(cert.verify(new X509Certificate(ca.certPem).publicKey));
    assert.ok(cert.checkHost('localhost'));
    assert.ok(cert.checkHost('pgo.example.com'));
    assert.ok(cert.checkIP('127.0.0.1'));
    assert.ok(cert.checkIP('10.1.2.3'));
    assert.equal(readFileSync(server.keyPath, 'utf8'), server.keyPem);
  });

  test('a server certificate is reused while it covers the hosts and reissued when a host is added', () => {
    const first = ensureServerCertificate(dir, 'reuse', ca, ['a.example.com']);
    assert.equal(ensureServerCertificate(dir, 'reuse', ca, ['a.example.com']).certPem, first.certPem);
    const widened = ensureServerCertificate(dir, 'reuse', ca, ['a.example.com', 'b.example.com']);
    assert.notEqual(widened.certPem, first.certPem);
    assert.ok(new X509Certificate(widened.certPem).checkHost('b.example.com'));
  });

  test('a certificate signed by another CA is reissued', () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'pki-other-'));
    const other = ensureCertificateAuthority(otherDir);
    const foreign = ensureServerCertificate(otherDir, 'api', other, []);
    const ours = ensureServerCertificate(otherDir, 'api', ensureCertificateAuthority(dir), []);
    assert.notEqual(ours.certPem, foreign.certPem);
  });

  test('tokens are long, URL-safe and different each time', () => {
    const a = generateToken();
    assert.match(a, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, generateToken());
  });

  test('constantTimeEqual compares strings of any length', () => {
    assert.equal(constantTimeEqual('secret', 'secret'), true);
    assert.equal(constantTimeEqual('secret', 'secreT'), false);
    assert.equal(constantTimeEqual('secret', 'secret-and-more'), false);
  });
});
