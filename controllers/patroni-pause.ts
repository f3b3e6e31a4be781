/**
 * Patroni's pause (reference §7.13): `"pause": true` in the JSON of the `config` annotation of the
 * `<scope>-config` ConfigMap. While paused, Patroni does not fail over. 4.2.4 paused it when
 * automatic failover was turned off and before a restore took the cluster's instances away.
 */
import { CLUSTER_STATES, LABELS } from '../src/domain/constants.js';
import type { Pgcluster } from '../src/domain/custom-resources.js';
import { CONFIGMAPS } from '../src/kube/resources.js';
import { recordEvent, tolerateMissing } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';

/** Paused while automatic failover is off (a missing label counts as on, reference §11) and while a restore runs. */
export function patroniShouldPause(cluster: Pgcluster): boolean {
  return cluster.metadata.labels?.[LABELS.autofail] === 'false' || cluster.status?.state === CLUSTER_STATES.restoring;
}

/** Pauses or resumes the cluster's Patroni scope; nothing to do without its ConfigMap and annotation. */
export async function setPatroniPause(ctx: ControllerContext, cluster: Pgcluster, pause: boolean): Promise<void> {
  const ns = cluster.metadata.namespace ?? '';
  const scope = cluster.metadata.labels?.[LABELS.pghaScope];
  if (!scope) return;
  const text = ctx.cache.get(CONFIGMAPS, ns, `${scope}-config`)?.metadata.annotations?.config;
  if (!text) return;
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return;
  }
  if ((config.pause === true) === pause) return;
  if (pause) config.pause = true;
  else delete config.pause;
  await tolerateMissing(ctx.writer.mergePatch(CONFIGMAPS, ns, `${scope}-config`, { metadata: { annotations: { config: JSON.stringify(config) } } }));
  await recordEvent(ctx, cluster, 'Normal', pause ? 'AutofailDisabled' : 'AutofailEnabled', `Patroni ${pause ? 'paused' : 'resumed'} for scope ${scope}`);
}
