/** Reads through the Kubernetes API that controller tests wait on: a Pgtask reaching a state, an Event appearing. */
import * as k8s from '@kubernetes/client-node';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { until } from './until.js';

export interface KubeReads {
  task(name: string): Promise<Pgtask>;
  taskUntil(name: string, check: (task: Pgtask) => boolean, what: string): Promise<Pgtask>;
  events(name: string, reason: string): Promise<k8s.CoreV1Event[]>;
  eventUntil(name: string, reason: string): Promise<k8s.CoreV1Event>;
}

export function kubeReads(kc: k8s.KubeConfig, namespace: string): KubeReads {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const task = async (name: string) => (await custom.getNamespacedCustomObject({ group: 'crunchydata.com', version: 'v1', namespace, plural: 'pgtasks', name })) as Pgtask;
  const events = async (name: string, reason: string) => (await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.reason === reason);
  return {
    task,
    taskUntil: (name, check, what) =>
      until(async () => {
        const x = await task(name).catch(() => undefined);
        return x && check(x) ? x : undefined;
      }, what),
    events,
    eventUntil: (name, reason) => until(async () => (await events(name, reason))[0], `${reason} on ${name}`),
  };
}
