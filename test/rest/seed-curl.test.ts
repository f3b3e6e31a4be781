/**
 * The curl examples of the original pgo 4.2.4 API documentation, run as written with real curl over
 * HTTPS, the generated certificate standing in for pgo's server.crt / server.key pair.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';

const run = promisify(execFile);

interface CurlResult {
  status: number;
  body: string;
}

describe('the seed documentation\'s curl examples', () => {
  let t: TestApp;
  let env: Record<string, string>;
  let workflowId = '';

  /** The seed's flags, verbatim but for the shell variables they name. */
  async function curl(method: string, url: string, data?: string): Promise<CurlResult> {
    const args = ['--silent', '--show-error', '--cacert', env.PGO_CA_CERT, '--key', env.PGO_CLIENT_KEY, '--cert', env.PGO_CA_CERT, '-u', `${t.app.admin.username}:${t.app.admin.password}`, '-H', 'Content-Type:application/json', '--insecure', '-X', method];
    if (data !== undefined) args.push('--data', data);
    args.push('--write-out', '\n%{http_code}', url.replace('$PGO_APISERVER_URL', env.PGO_APISERVER_URL));
    const { stdout } = await run('curl', args);
    const at = stdout.lastIndexOf('\n');
    return { body: stdout.slice(0, at), status: Number(stdout.slice(at + 1)) };
  }

  before(async () => {
    t = await startTestApp();
    const tls = join(t.dataDir, 'tls');
    env = { PGO_CA_CERT: join(tls, 'apiserver.crt'), PGO_CLIENT_KEY: join(tls, 'apiserver.key'), PGO_APISERVER_URL: t.app.url };
  });
  after(() => t.dispose());

  test('GET /version answers the server version', async () => {
    const res = await curl('GET', '$PGO_APISERVER_URL/version');
    assert.equal(res.status, 200);
    assert.equal(res.body, '{"Version":"4.2.4","Code":"ok","Msg":"apiserver version"}\n');
  });

  test('POST /clusters creates mycluster and answers its workflow id', async () => {
    const res = await curl('POST', '$PGO_APISERVER_URL/clusters', '{"ClientVersion":"4.2.4", "Namespace":"pgouser1", "Name":"mycluster", "Series":1}');
    assert.equal(res.status, 200);
    const body = JSON.parse(res.body) as { results: string[]; status: { Code: string; Msg: string } };
    assert.deepEqual(body.status, { Code: 'ok', Msg: '' });
    assert.equal(body.results[0], 'created Pgcluster mycluster');
    const match = /^workflow id (\S+)$/.exec(body.results[1]);
    assert.ok(match, `second result line: ${body.results[1]}`);
    workflowId = match[1];
  });

  test('GET /workflow/<id> answers the create workflow', async () => {
    const res = await curl('GET', `$PGO_APISERVER_URL/workflow/${workflowId}?version=4.2.4&namespace=pgouser1`);
    const body = JSON.parse(res.body) as { Results: { ClusterName: string; Parameters: Record<string, string> }; Code: string };
    assert.equal(body.Code, 'ok');
    assert.equal(body.Results.ClusterName, 'mycluster');
    assert.equal(body.Results.Parameters.workflowid, workflowId);
  });

  test('POST /showclusters by Clustername shows mycluster', async () => {
    const res = await curl('POST', '$PGO_APISERVER_URL/showclusters', '{"ClientVersion":"4.2.4", "Namespace":"pgouser1", "Clustername":"mycluster"}');
    const body = JSON.parse(res.body) as { Results: { cluster: { metadata: { name: string } } }[]; Code: string };
    assert.equal(body.Code, 'ok');
    assert.deepEqual(body.Results.map((r) => r.cluster.metadata.name), ['mycluster']);
  });

  test('POST /showclusters with AllFlag shows every cluster of the namespace', async () => {
    const res = await curl('POST', '$PGO_APISERVER_URL/showclusters', '{"ClientVersion":"4.2.4", "Namespace":"pgouser1", "AllFlag":true}');
    const body = JSON.parse(res.body) as { Results: { cluster: { metadata: { name: string } } }[]; Code: string };
    assert.equal(body.Code, 'ok');
    assert.deepEqual(body.Results.map((r) => r.cluster.metadata.name), ['mycluster']);
  });

  test('POST /clustersdelete deletes mycluster', async () => {
    const res = await curl('POST', '$PGO_APISERVER_URL/clustersdelete', '{"ClientVersion":"4.2.4", "Namespace":"pgouser1", "Clustername":"mycluster"}');
    assert.equal(res.body, '{"Results":["deleted pgcluster mycluster"],"Code":"ok","Msg":""}\n');
  });
});
