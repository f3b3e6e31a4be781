/** The minor upgrade task (reference §7.14). */
import { LABELS, SPEC_STATUS } from '../../src/domain/constants.js';
import { PGCLUSTER } from '../../src/domain/custom-resources.js';
import type { Pgtask } from '../../src/domain/custom-resources.js';
import { podReady } from '../../src/domain/pods.js';
import { DEPLOYMENTS, PODS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { recordEvent, tolerateMissing } from '../kube-helpers.js';
import { TaskKit } from './task-kit.js';

export class UpgradeTask extends TaskKit {
  /**
   * Minor upgrade (reference §7.14): with automatic failover on, one instance at a time, replicas
   * first and the primary last, each waiting for the previous one to be ready on the new image;
   * with it off, all at once. Then the cluster's tag and `minor-upgrade=upgrade-complete`.
   */
  async minorUpgrade(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.completed) return;
    const ns = task.metadata.namespace ?? '';
    const cluster = this.cluster(task);
    if (!cluster) return;
    const name = cluster.metadata.name;
    const tag = task.spec.parameters?.CCPImageTag ?? this.settings.ccpImageTag;
    const image = `${this.settings.ccpImagePrefix}/${cluster.spec.ccpimage || 'crunchy-postgres-ha'}:${tag}`;
    if (task.spec.status !== SPEC_STATUS.inProgress) {
      await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: { [LABELS.minorUpgrade]: 'upgrade-in-progress' } }, spec: { userlabels: { [LABELS.minorUpgrade]: 'upgrade-in-progress' } } }));
      await this.setProgress(task, SPEC_STATUS.inProgress);
      await recordEvent(this.ctx, cluster, 'Normal', 'UpgradeCluster', `upgrading to ${tag}`);
      return;
    }
    const primary = cluster.metadata.labels?.[LABELS.currentPrimary] ?? name;
    const instances = this.ctx.cache.byCluster(DEPLOYMENTS, ns, name).filter((d) => d.metadata.labels?.[LABELS.pgDatabase] === 'true');
    const imageOf = (d: KubeObject) => (d.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template?.spec?.containers?.[0]?.image;
    const pending = instances.filter((d) => imageOf(d) !== image).sort((a, b) => Number(a.metadata.name === primary) - Number(b.metadata.name === primary));
    const settled = (d: KubeObject) => this.ctx.cache.byCluster(PODS, ns, name).some((p) => p.metadata.labels?.[LABELS.deploymentName] === d.metadata.name && podReady(p) && ((p.spec as { containers?: { image?: string }[] } | undefined)?.containers?.[0]?.image === image));
    const inFlight = instances.filter((d) => imageOf(d) === image && !settled(d));
    const oneAtATime = cluster.metadata.labels?.[LABELS.autofail] !== 'false';
    if (oneAtATime && inFlight.length > 0) return;
    for (const deployment of oneAtATime ? pending.slice(0, 1) : pending) {
      await tolerateMissing(
        this.ctx.writer.jsonPatch(DEPLOYMENTS, ns, deployment.metadata.name, [
          { op: 'test', path: '/spec/template/spec/containers/0/name', value: 'database' },
          { op: 'replace', path: '/spec/template/spec/containers/0/image', value: image },
        ]),
      );
    }
    if (pending.length > 0 || inFlight.length > 0) return;
    await tolerateMissing(this.ctx.writer.jsonPatch(PGCLUSTER, ns, name, [{ op: 'replace', path: '/spec/ccpimagetag', value: tag }]));
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: { [LABELS.minorUpgrade]: 'upgrade-complete' } }, spec: { userlabels: { [LABELS.minorUpgrade]: 'upgrade-complete' } } }));
    await this.setProgress(task, SPEC_STATUS.completed);
    await recordEvent(this.ctx, cluster, 'Normal', 'UpgradeClusterCompleted', `upgraded to ${tag}`);
  }
}
