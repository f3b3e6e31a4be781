/**
 * Automatic failover decides on every way a primary can be missing, not only a running pod that
 * turned unready: a pod stuck Pending, a pod without a Ready condition, no pod at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { AUTOFAILOVER_AFTER_MS } from '../../controllers/cluster-controller.js';
import { PENDING_ANNOTATION, UNREADY_ANNOTATION } from '../../src/embedded/node-runtime.js';
import { startTestApp } from '../support/app.js';
import type { TestApp } from '../support/app.js';
import { until } from '../support/until.js';

const NS = 'pgouser1';
const MERGE = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const CLUSTERS = ['pending', 'bare', 'podless'];

interface ClusterView {
  state: string;
  currentPrimary: string;
  pods: { name: string; role: string; ready: boolean; deployment: string }[];
}

const VIEW = 'query($name: String!) { cluster(namespace: "pgouser1", name: $name) { state currentPrimary pods { name role ready deployment } } }';

describe('automatic failover', () => {
  let t: TestApp;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  async function view(name: string): Promise<ClusterView> {
    const res = await t.gql<{ cluster: ClusterView }>(VIEW, { name });
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    return res.data!.cluster;
  }

  /** The replica's Deployment, once the cluster is Initialized with a ready replica. */
  function readyReplica(name: string): Promise<string> {
    return until(async () => {
      const c = await view(name);
      return c.state === 'INITIALIZED' ? c.pods.find((p) => p.role === 'replica' && p.ready)?.deployment : undefined;
    }, `${name} Initialized with a ready replica`);
  }

  function promoted(name: string, replica: string): Promise<true> {
    return until(async () => {
      const c = await view(name);
      return c.currentPrimary === replica && c.pods.some((p) => p.deployment === replica && p.role === 'master' && p.ready) ? true : undefined;
    }, `${replica} promoted`, AUTOFAILOVER_AFTER_MS + 20_000);
  }

  async function primaryPod(name: string): Promise<k8s.V1Pod> {
    const pods = await core.listNamespacedPod({ namespace: NS, labelSelector: `deployment-name=${name}` });
    assert.equal(pods.items.length, 1);
    return pods.items[0];
  }

  before(async () => {
    t = await startTestApp();
    core = t.kc.makeApiClient(k8s.CoreV1Api);
    apps = t.kc.makeApiClient(k8s.AppsV1Api);
    for (const name of CLUSTERS) {
      const res = await t.gql(`mutation { createCluster(input: { namespace: "pgouser1", name: "${name}", replicaCount: 1 }) { workflowId } }`);
      assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    }
  });
  after(() => t.dispose());

  test('a primary pod stuck Pending is replaced by a ready replica', async () => {
    const replica = await readyReplica('pending');
    await apps.patchNamespacedDeployment({ namespace: NS, name: 'pending', body: { metadata: { annotations: { [PENDING_ANNOTATION]: 'true' } } } }, MERGE);
    const old = await primaryPod('pending');
    await core.deleteNamespacedPod({ namespace: NS, name: String(old.metadata?.name) });
    await until(async () => {
      const pod = await primaryPod('pending').catch(() => undefined);
      return pod && pod.metadata?.name !== old.metadata?.name && pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') ? true : undefined;
    }, 'the new primary pod unschedulable');
    await promoted('pending', replica);
  });

  test('a primary pod without any Ready condition is replaced by a ready replica', async () => {
    const replica = await readyReplica('bare');
    await apps.patchNamespacedDeployment({ namespace: NS, name: 'bare', body: { metadata: { annotations: { [UNREADY_ANNOTATION]: 'true' } } } }, MERGE);
    const pod = await until(async () => {
      const p = await primaryPod('bare');
      return p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False') ? p : undefined;
    }, 'the primary unready');
    // A status with no conditions at all, as a pod has before any kubelet reported on it.
    await core.patchNamespacedPodStatus({ namespace: NS, name: String(pod.metadata?.name), body: { status: { conditions: [] } } }, MERGE);
    await promoted('bare', replica);
  });

  test('a primary without any pod is replaced by a ready replica', async () => {
    const replica = await readyReplica('podless');
    await apps.patchNamespacedDeployment({ namespace: NS, name: 'podless', body: { spec: { replicas: 0 } } }, MERGE);
    await until(async () => ((await core.listNamespacedPod({ namespace: NS, labelSelector: 'deployment-name=podless' })).items.length === 0 ? true : undefined), 'the primary pod gone');
    await promoted('podless', replica);
  });
});
