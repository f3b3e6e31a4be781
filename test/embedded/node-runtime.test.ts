/**
 * The simulated node runtime against the embedded API, with the controllers off: Deployments and
 * Jobs written through the Kubernetes API get the pods and the status Kubernetes would give them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { FAIL_ANNOTATION, FAIL_TIMES_ANNOTATION, PENDING_ANNOTATION, UNREADY_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { until, untilTrue } from '../support/until.js';

const NS = 'pgouser1';
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

function deployment(name: string, annotations: Record<string, string> = {}, strategy: k8s.V1DeploymentStrategy = { type: 'Recreate' }): k8s.V1Deployment {
  return {
    metadata: { name, annotations },
    spec: {
      replicas: 1,
      strategy,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'example/main:1' }, { name: 'sidecar', image: 'example/sidecar:1' }] } },
    },
  };
}

function job(name: string, backoffLimit: number | undefined, annotations: Record<string, string> = {}): k8s.V1Job {
  return {
    metadata: { name, annotations },
    spec: { ...(backoffLimit === undefined ? {} : { backoffLimit }), template: { spec: { restartPolicy: 'Never', containers: [{ name: 'job', image: 'example/job:1' }] } } },
  };
}

describe('the simulated node runtime', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let batch: k8s.BatchV1Api;

  const podsOf = async (selector: string) => (await core.listNamespacedPod({ namespace: NS, labelSelector: selector })).items;
  const condition = <C extends { type: string }>(conditions: C[] | undefined, type: string): C | undefined => conditions?.find((c) => c.type === type);

  async function finishedJob(name: string): Promise<k8s.V1Job> {
    return until(async () => {
      const j = await batch.readNamespacedJob({ namespace: NS, name });
      return j.status?.conditions?.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') ? j : undefined;
    }, `job ${name} to finish`);
  }

  before(async () => {
    t = await startTestApp({ PGO_CONTROLLERS: 'false' });
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    batch = t.kc.makeApiClient(k8s.BatchV1Api);
  });
  after(() => t.dispose());

  test('a Deployment gets a Pod that runs Ready with an IP, conditions and a status per container', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('web') });
    const pod = await until(async () => (await podsOf('app=web')).find((p) => p.status?.phase === 'Running' && condition(p.status.conditions, 'Ready')?.status === 'True'), 'a ready pod');
    assert.match(String(pod.status?.podIP), /^10\.244\.\d+\.\d+$/);
    assert.deepEqual(pod.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort(), ['ContainersReady=True', 'Initialized=True', 'PodScheduled=True', 'Ready=True']);
    assert.deepEqual(pod.status?.containerStatuses?.map((c) => [c.name, c.ready, Boolean(c.state?.running)]), [['main', true, true], ['sidecar', true, true]]);
    assert.equal(pod.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
  });

  test('a ready Deployment reports its counts, observedGeneration, and the Available and Progressing conditions', async () => {
    const d = await until(async () => {
      const read = await apps.readNamespacedDeployment({ namespace: NS, name: 'web' });
      return read.status?.readyReplicas === 1 ? read : undefined;
    }, 'web ready');
    assert.equal(d.status?.observedGeneration, d.metadata?.generation);
    assert.deepEqual([d.status?.replicas, d.status?.updatedReplicas, d.status?.readyReplicas, d.status?.availableReplicas, d.status?.unavailableReplicas], [1, 1, 1, 1, undefined]);
    const available = condition(d.status?.conditions, 'Available');
    assert.deepEqual([available?.status, available?.reason], ['True', 'MinimumReplicasAvailable']);
    assert.ok(available?.lastTransitionTime && available.lastUpdateTime);
    const progressing = condition(d.status?.conditions, 'Progressing');
    assert.deepEqual([progressing?.status, progressing?.reason], ['True', 'NewReplicaSetAvailable']);
  });

  test('a Deployment whose pod turns ready again no longer reports unavailableReplicas', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('flaky', { [UNREADY_ANNOTATION]: 'true' }) });
    const unready = await until(async () => {
      const read = await apps.readNamespacedDeployment({ namespace: NS, name: 'flaky' });
      return read.status?.unavailableReplicas === 1 && (await podsOf('app=flaky')).some((p) => p.status?.phase === 'Running') ? read : undefined;
    }, 'flaky unavailable');
    assert.equal(unready.status?.readyReplicas, undefined, 'a zero count is omitted');
    assert.equal(condition(unready.status?.conditions, 'Available')?.status, 'False');
    await apps.patchNamespacedDeployment({ namespace: NS, name: 'flaky', body: { metadata: { annotations: { [UNREADY_ANNOTATION]: null } } } }, MERGE);
    const ready = await until(async () => {
      const read = await apps.readNamespacedDeployment({ namespace: NS, name: 'flaky' });
      return read.status?.readyReplicas === 1 ? read : undefined;
    }, 'flaky ready');
    assert.equal(ready.status?.unavailableReplicas, undefined);
    assert.equal(condition(ready.status?.conditions, 'Available')?.status, 'True');
  });

  test('a rolling update that may lose one of one replica stays Available while its pod is unready', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('tolerant', { [UNREADY_ANNOTATION]: 'true' }, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 1 } }) });
    const d = await until(async () => {
      const read = await apps.readNamespacedDeployment({ namespace: NS, name: 'tolerant' });
      return read.status?.unavailableReplicas === 1 ? read : undefined;
    }, 'tolerant reported');
    assert.deepEqual([condition(d.status?.conditions, 'Available')?.status, condition(d.status?.conditions, 'Progressing')?.reason], ['True', 'ReplicaSetUpdated']);
  });

  test('a deleted Pod of a Deployment is replaced', async () => {
    const [first] = await podsOf('app=web');
    await core.deleteNamespacedPod({ namespace: NS, name: String(first.metadata?.name) });
    const replacement = await until(async () => (await podsOf('app=web')).find((p) => p.metadata?.name !== first.metadata?.name && p.status?.phase === 'Running'), 'a replacement pod');
    assert.equal(replacement.metadata?.ownerReferences?.[0]?.name, 'web');
  });

  test('pods of a Deployment asked to stay pending stay Pending and unschedulable', async () => {
    await apps.createNamespacedDeployment({ namespace: NS, body: deployment('stuck', { [PENDING_ANNOTATION]: 'true' }) });
    const pod = await until(async () => (await podsOf('app=stuck')).find((p) => condition(p.status?.conditions, 'PodScheduled')), 'the scheduler to answer');
    assert.equal(pod.status?.phase, 'Pending');
    const scheduled = condition(pod.status?.conditions, 'PodScheduled');
    assert.deepEqual([scheduled?.status, scheduled?.reason], ['False', 'Unschedulable']);
    assert.equal(condition(pod.status?.conditions, 'Ready'), undefined);
  });

  test('a Job runs its pod to Succeeded and reports Complete with its start and completion times', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('once', 0) });
    const done = await finishedJob('once');
    assert.deepEqual([done.status?.succeeded, done.status?.failed, done.status?.active], [1, undefined, undefined]);
    assert.equal(condition(done.status?.conditions, 'Complete')?.status, 'True');
    assert.ok(done.status?.startTime && done.status.completionTime && done.status.startTime <= done.status.completionTime);
    const [pod] = await podsOf('job-name=once');
    assert.equal(pod.status?.phase, 'Succeeded');
  });

  test('a failing Job is retried until backoffLimit retries failed, then fails with BackoffLimitExceeded', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('doomed', 2, { [FAIL_ANNOTATION]: 'no such table' }) });
    const done = await finishedJob('doomed');
    assert.equal(done.status?.failed, 3);
    assert.equal(done.status?.succeeded, undefined);
    assert.equal(done.status?.completionTime, undefined);
    const failed = condition(done.status?.conditions, 'Failed');
    assert.deepEqual([failed?.status, failed?.reason, failed?.message], ['True', 'BackoffLimitExceeded', 'no such table']);
    assert.deepEqual((await podsOf('job-name=doomed')).map((p) => p.status?.phase), ['Failed', 'Failed', 'Failed']);
  });

  test('a Job whose pods fail fewer times than its backoffLimit completes and counts its failures', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('retried', undefined, { [FAIL_TIMES_ANNOTATION]: '2' }) });
    const done = await finishedJob('retried');
    assert.deepEqual([done.status?.succeeded, done.status?.failed], [1, 2]);
    assert.equal(condition(done.status?.conditions, 'Complete')?.status, 'True');
  });

  test('a Job with backoffLimit 0 fails with its first failed pod', async () => {
    await batch.createNamespacedJob({ namespace: NS, body: job('single', 0, { [FAIL_ANNOTATION]: 'boom' }) });
    const done = await finishedJob('single');
    assert.equal(done.status?.failed, 1);
    await untilTrue(async () => (await podsOf('job-name=single')).length === 1, 'exactly one pod');
  });
});
