import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { createKubeConfig } from '../../src/kube/client.js';
import { CONFIGMAPS } from '../../src/kube/resources.js';
import { WatchCache } from '../../src/kube/watch-cache.js';
import { startTestServer } from '../support/embedded.js';
import { configMap, takeEvents } from './helpers.js';

const NS = 'pgouser1';
/** Longer than client-node 2.x's inactivity timer (30 s) and the bookmark period (about 60 s). */
const SILENCE_MS = 60_000;
const MAX_DELIVERY_MS = 1_000;
/** A step that takes longer than this is reported by name instead of hanging the test. */
const STEP_TIMEOUT_MS = 15_000;

async function step<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

test('after 60 seconds of silence on a kind an event still arrives within a second', { timeout: SILENCE_MS + 60_000 }, async () => {
  const t = await startTestServer({ namespaces: [NS] });
  const kc = createKubeConfig('embedded', t.server.kubeconfigPath);
  const cache = new WatchCache(kc, [CONFIGMAPS], { namespaces: [NS] });
  try {
    cache.start();
    await step('the initial sync', cache.synced());
    const subscription = cache.hub.subscribe({ kind: 'ConfigMap', name: 'after-silence' });
    await new Promise((resolve) => setTimeout(resolve, SILENCE_MS));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const startedAt = Date.now();
    await step('the create after the silence', core.createNamespacedConfigMap({ namespace: NS, body: configMap('after-silence', NS) as k8s.V1ConfigMap }));
    const [event] = await takeEvents(subscription, 1, MAX_DELIVERY_MS);
    assert.equal(event?.type, 'ADDED');
    assert.ok(Date.now() - startedAt <= MAX_DELIVERY_MS);
    subscription.close();
  } finally {
    await step('stopping the cache', cache.stop());
    await step('stopping the server', t.dispose());
  }
});
