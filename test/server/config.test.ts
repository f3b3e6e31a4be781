import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, configTable, loadConfig, resolveMode } from '../../src/config.js';
import { REPO_ROOT } from '../support/embedded.js';

const NO_POD = { inPod: false };

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
    const path = join(mkdtempSync(join(tmpdir(), 'cfg-')), 'kubeconfig');
    writeFileSync(path, 'apiVersion: v1\nkind: Config\n');
    assert.equal(resolveMode(loadConfig(['--kubeconfig', path], {}), NO_POD), 'kubeconfig');
    assert.equal(resolveMode(loadConfig([], {}), { inPod: true }), 'in-cluster');
    assert.equal(resolveMode(loadConfig([], {}), NO_POD), 'embedded');
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
