/** Server certificates from configuration, and client certificates required when a client CA is set. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ensureCertificateAuthority, ensureServerCertificate } from '../../src/tls/pki.js';
import { startTestApp, subscribe } from '../support/app.js';
import type { TestApp } from '../support/app.js';

interface Answer {
  status: number;
  text: string;
  peerCommonName: string;
}

function get(t: TestApp, path: string, ca: string, client?: { certPem: string; keyPem: string }): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, t.app.url), { ca, ...(client ? { cert: client.certPem, key: client.keyPem } : {}), headers: { Authorization: t.authorization } }, (res) => {
      const peer = (res.socket as TLSSocket).getPeerCertificate();
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, peerCommonName: String(peer.subject?.CN ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('client certificates', () => {
  let t: TestApp;
  let dir: string;
  let client: { certPem: string; keyPem: string };
  let stranger: { certPem: string; keyPem: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pgo-client-ca-'));
    const clientCa = ensureCertificateAuthority(join(dir, 'trusted'));
    client = ensureServerCertificate(join(dir, 'trusted'), 'pgo-client', clientCa, []);
    const otherCa = ensureCertificateAuthority(join(dir, 'other'));
    stranger = ensureServerCertificate(join(dir, 'other'), 'stranger', otherCa, []);
    t = await startTestApp({ PGO_TLS_CLIENT_CA: join(dir, 'trusted', 'ca.crt'), PGO_CONTROLLERS: 'false' });
  });
  after(async () => {
    await t.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client presenting a certificate the client CA signed is served', async () => {
    const res = await get(t, '/version', t.ca, client);
    assert.equal(res.status, 200);
  });

  test('a client without a certificate is refused with 401', async () => {
    const res = await get(t, '/version', t.ca);
    assert.equal(res.status, 401);
    assert.match(res.text, /client certificate/);
  });

  test('a certificate signed by another CA is refused with 401', async () => {
    const res = await get(t, '/version', t.ca, stranger);
    assert.equal(res.status, 401);
  });

  test('the health probes answer without a client certificate', async () => {
    assert.equal((await get(t, '/healthz', t.ca)).status, 200);
  });

  test('a WebSocket upgrade without a client certificate is refused', async () => {
    const sub = subscribe(t.ws(), '{ version { pgoVersion } }');
    await assert.rejects(sub.next(1, 5000), /subscription failed/);
  });
});

describe('a server certificate from configuration', () => {
  test('is the one the server presents', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgo-server-cert-'));
    const ca = ensureCertificateAuthority(dir);
    ensureServerCertificate(dir, 'configured', ca, []);
    const t = await startTestApp({ PGO_TLS_CERT: join(dir, 'configured.crt'), PGO_TLS_KEY: join(dir, 'configured.key'), PGO_CONTROLLERS: 'false' });
    try {
      const res = await get(t, '/version', ca.certPem);
      assert.deepEqual([res.status, res.peerCommonName], [200, 'configured']);
    } finally {
      await t.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('needs its key: one without the other stops the start', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgo-server-cert-'));
    const ca = ensureCertificateAuthority(dir);
    try {
      assert.throws(() => loadConfig(['--tls-cert', ca.certPath], {}), /set both or neither/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
