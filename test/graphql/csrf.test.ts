/**
 * CSRF prevention. Browsers resend cached basic credentials on their own, so a page on another
 * site must not be able to run an operation through a "simple" request (one sent without a CORS
 * preflight): a GET, or a POST with a form or text/plain body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';

const CSRF_MESSAGE = /Cross-Site Request Forgery/;
const QUERY = '{ version { pgoVersion } }';

describe('CSRF prevention on /graphql', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.dispose());

  test('a text/plain POST carrying a valid operation is refused as a possible CSRF, and nothing runs', async () => {
    const before = t.app.writer.writes;
    const body = JSON.stringify({ query: 'mutation { createCluster(input: { namespace: "pgouser1", name: "forged" }) { workflowId } }' });
    const res = await t.post('/graphql', body, { 'Content-Type': 'text/plain', Authorization: t.authorization });
    assert.equal(res.status, 400);
    assert.match(res.text, CSRF_MESSAGE);
    assert.equal(t.app.writer.writes, before);
  });

  test('a form-encoded POST is refused as a possible CSRF even when its body reads as JSON', async () => {
    const res = await t.post('/graphql', JSON.stringify({ query: QUERY }), { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: t.authorization });
    assert.equal(res.status, 400);
    assert.match(res.text, CSRF_MESSAGE);
  });

  test('a GET operation without a preflight-forcing header is refused as a possible CSRF', async () => {
    const res = await t.get(`/graphql?query=${encodeURIComponent(QUERY)}`, { Authorization: t.authorization });
    assert.equal(res.status, 400);
    assert.match(res.text, CSRF_MESSAGE);
  });

  test('a GET operation that names a preflight-forcing header runs', async () => {
    const res = await t.get(`/graphql?query=${encodeURIComponent(QUERY)}`, { Authorization: t.authorization, 'apollo-require-preflight': 'true' });
    assert.equal(res.status, 200, res.text);
    assert.match(res.text, /"pgoVersion":"4\.2\.4"/);
  });

  test('a JSON POST, which a browser only sends cross-site after a preflight, runs', async () => {
    const res = await t.post('/graphql', JSON.stringify({ query: QUERY }), { 'Content-Type': 'application/json', Authorization: t.authorization });
    assert.equal(res.status, 200, res.text);
  });
});
