/** Small helpers shared by the src/kube tests (waiting, reading subscriptions, fixtures). */
import type { KubeEvent, Subscription } from '../../src/kube/event-hub.js';
import type { KubeObject } from '../../src/kube/resources.js';

export const DEFAULT_WAIT_MS = 10_000;
const POLL_INTERVAL_MS = 20;

export async function waitFor(condition: () => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}

/** Reads exactly `count` events from a subscription, failing if they do not come in time. */
export async function takeEvents(subscription: Subscription, count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<KubeEvent[]> {
  const iterator = subscription[Symbol.asyncIterator]();
  const events: KubeEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms with ${events.length} of ${count} events`)), timeoutMs);
  });
  try {
    while (events.length < count) {
      const result = await Promise.race([iterator.next(), timeout]);
      if (result.done) throw new Error(`subscription ended (${String(subscription.closedReason)}) after ${events.length} of ${count} events`);
      events.push(result.value);
    }
  } finally {
    clearTimeout(timer);
  }
  return events;
}

export function summary(events: readonly KubeEvent[]): string[] {
  return events.map((e) => `${e.type} ${e.kind} ${e.object.metadata.name}`);
}

export function configMap(name: string, namespace: string, labels: Record<string, string> = {}, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels }, data };
}

/** A Pgreplica as pgo 4.2.4 wrote it. */
export function pgreplica(name: string, namespace: string, cluster: string): KubeObject {
  return {
    apiVersion: 'crunchydata.com/v1',
    kind: 'Pgreplica',
    metadata: { name, namespace, labels: { 'pg-cluster': cluster, name } },
    spec: {
      namespace,
      name,
      clustername: cluster,
      replicastorage: { name: '', storageclass: '', accessmode: 'ReadWriteOnce', size: '1G', storagetype: 'dynamic', fsgroup: '26', supplementalgroups: '', matchLabels: '' },
      userlabels: { 'pg-cluster': cluster },
    },
  };
}
