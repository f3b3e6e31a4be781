import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, configTable, loadConfig, resolveMode } from '../../src/config.js';
import { ensureCertificateAuthority, ensureServerCertificate } from '../../src/tls/pki.js';
import { REPO_ROOT } from '../support/embedded.js';

const NO_POD = { inPod: false };

function writeTemp(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), name);
  writeFileSync(path, content);
  return path;
}

/** A kubeconfig with one context; `overrides` replace its top-level sections. */
function kubeconfig(overrides: { currentContext?: string; contextCluster?: string; server?: string } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${overrides.currentContext ?? 'dev'}`,
    'clusters:',
    `- name: dev-cluster`,
    `  cluster: { server: '${overrides.server ?? 'https://127.0.0.1:6443'}' }`,
    'users:',
    '- name: dev-user',
    '  user: { token: abc }',
    'contexts:',
    '- name: dev',
    `  context: { cluster: ${overrides.contextCluster ?? 'dev-cluster'}, user: dev-user }`,
    '',
  ].join('\n');
}

interface Pki {
  dir: string;
  cert: string;
  key: string;
  otherKey: string;
  ca: string;
}

/** A CA and two server certificates it signed, as files. */
function pki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'cfg-pki-'));
  const ca = ensureCertificateAuthority(dir);
  const server = ensureServerCertificate(dir, 'server', ca, []);
  const other = ensureServerCertificate(dir, 'other', ca, []);
  return { dir, cert: server.certPath, key: server.keyPath, otherKey: other.keyPath, ca: ca.certPath };
}

function refused(pattern: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  };
}

describe('configuration', () => {
  test('with no flags and no environment every setting takes the documented default', () => {
    const config = loadConfig([], {});
    assert.equal(config.dataDir, resolve('./data'));
    assert.deepEqual(config.listen, { host: '0.0.0.0', port: 8443 });
    assert.deepEqual(config.kubeListen, { host: '127.0.0.1', port: 6443 });
    assert.equal(config.kubeconfig, undefined);
    assert.deepEqual(config.namespaces, ['pgouser1', 'pgouser2']);
    assert.equal(config.operatorNamespace, 'pgo');
    assert.equal(config.adminUsername, 'pgoadmin');
    assert.equal(config.adminPassword, undefined);
    assert.equal(config.tls, true);
  });

  test('an environment variable overrides the default and a flag overrides the environment', () => {
    const env = { PGO_LISTEN: '127.0.0.1:9000', PGO_NAMESPACES: 'a,b' };
    assert.deepEqual(loadConfig([], env).listen, { host: '127.0.0.1', port: 9000 });
    assert.deepEqual(loadConfig(['--listen', '[::1]:9001'], env).listen, { host: '::1', port: 9001 });
    assert.deepEqual(loadConfig(['--namespaces', 'c'], env).namespaces, ['c']);
  });

  test('an empty environment variable counts as unset', () => {
    assert.equal(loadConfig([], { PGO_OPERATOR_NAMESPACE: '' }).operatorNamespace, 'pgo');
  });

  test('an unknown flag stops the start with a message naming it', () => {
    assert.throws(() => loadConfig(['--lisen', '1.2.3.4:1'], {}), (e: unknown) => e instanceof ConfigError && e.message === 'unknown flag --lisen');
  });

  test('a malformed address names the setting and the value', () => {
    assert.throws(() => loadConfig([], { PGO_LISTEN: 'localhost' }), /PGO_LISTEN: expected host:port, got 'localhost'/);
    assert.throws(() => loadConfig(['--kube-listen', '127.0.0.1:70000'], {}), /--kube-listen: expected host:port/);
  });

  test('an invalid namespace name is refused with the reason', () => {
    assert.throws(() => loadConfig([], { PGO_NAMESPACES: 'good,Bad_Name' }), /PGO_NAMESPACES: 'Bad_Name' is not a valid namespace name/);
  });

  test('PGO_TLS accepts only true or false', () => {
    assert.equal(loadConfig([], { PGO_TLS: 'false' }).tls, false);
    assert.throws(() => loadConfig([], { PGO_TLS: 'no' }), /PGO_TLS: expected one of/);
  });

  test('a kubeconfig path that does not exist is refused', () => {
    assert.throws(() => loadConfig([], { KUBECONFIG: '/does/not/exist' }), /KUBECONFIG: no such file '\/does\/not\/exist'/);
  });

  test('a kubeconfig selects kubeconfig mode, a pod selects in-cluster, and nothing selects embedded', () => {
    const path = writeTemp('kubeconfig', kubeconfig());
    assert.equal(resolveMode(loadConfig(['--kubeconfig', path], {}), NO_POD), 'kubeconfig');
    assert.equal(resolveMode(loadConfig([], {}), { inPod: true }), 'in-cluster');
    assert.equal(resolveMode(loadConfig([], {}), NO_POD), 'embedded');
  });

  test('a kubeconfig that is not YAML is refused naming the setting and the file', () => {
    const path = writeTemp('kubeconfig', 'clusters: [unclosed\n');
    assert.throws(() => loadConfig(['--kubeconfig', path], {}), refused(new RegExp(`^--kubeconfig: '${path}' is not a kubeconfig: `)));
  });

  test('a kubeconfig without a current-context is refused', () => {
    const path = writeTemp('kubeconfig', 'apiVersion: v1\nkind: Config\n');
    assert.throws(() => loadConfig([], { KUBECONFIG: path }), refused(new RegExp(`^KUBECONFIG: '${path}' names no current-context$`)));
  });

  test('a kubeconfig whose current-context is not among its contexts is refused', () => {
    const path = writeTemp('kubeconfig', kubeconfig({ currentContext: 'prod' }));
    assert.throws(() => loadConfig([], { KUBECONFIG: path }), refused(/KUBECONFIG: '.*' names current-context 'prod', which it does not define$/));
  });

  test('a kubeconfig whose current context names an undefined cluster is refused', () => {
    const path = writeTemp('kubeconfig', kubeconfig({ contextCluster: 'elsewhere' }));
    assert.throws(() => loadConfig([], { KUBECONFIG: path }), refused(/KUBECONFIG: '.*' context 'dev' names cluster 'elsewhere', which it does not define$/));
  });

  test('a kubeconfig whose cluster server is not an https URL is refused', () => {
    const path = writeTemp('kubeconfig', kubeconfig({ server: '127.0.0.1:6443' }));
    assert.throws(() => loadConfig([], { KUBECONFIG: path }), refused(/KUBECONFIG: '.*' cluster 'dev-cluster' has server '127.0.0.1:6443', which is not an https:\/\/ URL$/));
  });

  test('a kubeconfig path that is a directory is refused as unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    assert.throws(() => loadConfig([], { KUBECONFIG: dir }), refused(new RegExp(`^KUBECONFIG: cannot read '${dir}': is a directory$`)));
  });

  test('a TLS certificate file without a PEM certificate is refused naming the setting and the file', () => {
    const { key } = pki();
    const notCert = writeTemp('server.crt', 'hello\n');
    assert.throws(() => loadConfig([], { PGO_TLS_CERT: notCert, PGO_TLS_KEY: key }), refused(new RegExp(`^PGO_TLS_CERT: '${notCert}' holds no PEM certificate$`)));
  });

  test('a TLS certificate whose PEM block does not parse is refused', () => {
    const { key } = pki();
    const broken = writeTemp('server.crt', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
    assert.throws(() => loadConfig(['--tls-cert', broken, '--tls-key', key], {}), refused(/^--tls-cert: '.*' holds a PEM certificate that does not parse \(block 1\)$/));
  });

  test('a TLS key file without a PEM private key is refused naming the setting and the file', () => {
    const { cert } = pki();
    assert.throws(() => loadConfig([], { PGO_TLS_CERT: cert, PGO_TLS_KEY: cert }), refused(new RegExp(`^PGO_TLS_KEY: '${cert}' holds no PEM private key$`)));
  });

  test('a TLS key that is not the key of the certificate is refused naming both files', () => {
    const { cert, otherKey } = pki();
    assert.throws(() => loadConfig([], { PGO_TLS_CERT: cert, PGO_TLS_KEY: otherKey }), refused(new RegExp(`^PGO_TLS_KEY: '${otherKey}' is not the private key of the certificate in PGO_TLS_CERT '${cert}'$`)));
  });

  test('a TLS certificate chain with the key of its first certificate is accepted', () => {
    const { dir, cert, key, ca } = pki();
    const chain = join(dir, 'chain.crt');
    writeFileSync(chain, readFileSync(cert, 'utf8') + readFileSync(ca, 'utf8'));
    assert.equal(loadConfig([], { PGO_TLS_CERT: chain, PGO_TLS_KEY: key }).tlsCert, chain);
  });

  test('an encrypted TLS key is refused: no passphrase is ever asked for', () => {
    const { cert } = pki();
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encrypted = writeTemp('server.key', privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString());
    assert.throws(() => loadConfig([], { PGO_TLS_CERT: cert, PGO_TLS_KEY: encrypted }), refused(/^PGO_TLS_KEY: '.*' holds an encrypted private key \(give it unencrypted\)$/));
  });

  test('a client CA file without a PEM certificate is refused naming the setting and the file', () => {
    const { key } = pki();
    assert.throws(() => loadConfig([], { PGO_TLS_CLIENT_CA: key }), refused(new RegExp(`^PGO_TLS_CLIENT_CA: '${key}' holds no PEM certificate$`)));
  });

  test('a data directory below a regular file is refused naming the file', () => {
    const file = writeTemp('not-a-dir', '');
    assert.throws(() => loadConfig(['--data-dir', join(file, 'data')], {}), refused(new RegExp(`^--data-dir: '${file}' is not a directory$`)));
  });

  test('an admin username that is not a valid pgouser name is refused with the reason', () => {
    assert.throws(() => loadConfig([], { PGO_ADMIN_USERNAME: 'Admin:1' }), refused(/^PGO_ADMIN_USERNAME: 'Admin:1' is not a valid pgouser name: must consist of lower case/));
  });

  test('an admin password with a line break is refused', () => {
    assert.throws(() => loadConfig([], { PGO_ADMIN_PASSWORD: 'secret\nmore' }), refused(/^PGO_ADMIN_PASSWORD: must not contain a line break$/));
  });

  test('mode cluster without a kubeconfig outside a pod is a configuration error', () => {
    assert.throws(() => resolveMode(loadConfig(['--mode', 'cluster'], {}), NO_POD), ConfigError);
  });

  test('the README table lists every setting of the operational contract', () => {
    const table = configTable();
    for (const name of ['PGO_DATA_DIR', 'PGO_LISTEN', 'PGO_KUBE_LISTEN', 'KUBECONFIG', 'PGO_NAMESPACES', 'PGO_OPERATOR_NAMESPACE', 'PGO_ADMIN_USERNAME', 'PGO_ADMIN_PASSWORD', 'PGO_TLS']) {
      assert.ok(table.includes(`\`${name}\``), `${name} is missing from the table`);
    }
  });

  test('the README carries the configuration table exactly as the code defines it', () => {
    assert.ok(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8').includes(configTable()), 'README.md is out of date: paste configTable() output');
  });
});
