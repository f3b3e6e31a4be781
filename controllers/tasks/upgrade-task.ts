/** The minor upgrade task (reference §5.13, §7.14). */
import { LABELS, SPEC_STATUS } from '../../src/domain/constants.js';
import { PGCLUSTER, PGREPLICA, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { podReady } from '../../src/domain/pods.js';
import { DEPLOYMENTS, PODS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { recordEvent, tolerateMissing } from '../kube-helpers.js';
import { TaskKit } from './task-kit.js';

/** 4.2.4's task parameters recording what is left to upgrade (config/labels.go). */
export const UPGRADE_PARAMETERS = { primary: 'upgrade-primary', replicas: 'upgrade-replicas', backrest: 'upgrade-backrest' } as const;

/** Our addition: the Deployment patched by the last step, which the next step waits for. */
export const UPGRADE_IN_FLIGHT_PARAMETER = 'upgrade-in-flight';

/** The image of each container 4.2.4's upgrade patch moved to the new tag; others keep theirs. */
const SIDECAR_IMAGES: Record<string, string> = { collect: 'crunchy-collect', pgbadger: 'crunchy-pgbadger', crunchyadm: 'crunchy-admin' };

interface Container {
  name: string;
  image?: string;
}

function containersOf(d: KubeObject): Container[] {
  return (d.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec?.containers ?? [];
}

export class UpgradeTask extends TaskKit {
  /**
   * Minor upgrade (reference §7.14). The task first records the current primary and the replicas
   * (`upgrade-primary`, `upgrade-replicas`, `upgrade-backrest`). With automatic failover on, one
   * Deployment per step — the first listed replica, taken off the list, then the primary — each
   * step waiting for the previous instance to be ready on the new image; with it off, all at once
   * and complete at once (Patroni is paused, the pods stay unready until it is resumed). Then the
   * cluster's tag and `minor-upgrade=upgrade-complete`.
   */
  async minorUpgrade(task: Pgtask): Promise<void> {
    if (task.spec.status === SPEC_STATUS.completed) return;
    const cluster = this.cluster(task);
    if (!cluster) return;
    const tag = task.spec.parameters?.CCPImageTag ?? this.settings.ccpImageTag;
    if (task.spec.status !== SPEC_STATUS.inProgress) return this.start(task, cluster, tag);
    const p = task.spec.parameters ?? {};
    const replicas = (p[UPGRADE_PARAMETERS.replicas] ?? '').split(',').filter(Boolean);
    const primary = p[UPGRADE_PARAMETERS.primary] ?? '';
    if (cluster.metadata.labels?.[LABELS.autofail] === 'false') {
      for (const name of [...replicas, primary].filter(Boolean)) await this.patchImages(cluster, name, tag);
      await this.record(task, { [UPGRADE_PARAMETERS.replicas]: '', [UPGRADE_PARAMETERS.primary]: '' });
      return this.complete(task, cluster, tag);
    }
    if (!this.settled(cluster, p[UPGRADE_IN_FLIGHT_PARAMETER] ?? '', tag)) return;
    if (replicas.length > 0) {
      await this.patchImages(cluster, replicas[0], tag);
      return this.record(task, { [UPGRADE_PARAMETERS.replicas]: replicas.slice(1).join(','), [UPGRADE_IN_FLIGHT_PARAMETER]: replicas[0] });
    }
    if (primary) {
      await this.patchImages(cluster, primary, tag);
      return this.record(task, { [UPGRADE_PARAMETERS.primary]: '', [UPGRADE_IN_FLIGHT_PARAMETER]: primary });
    }
    return this.complete(task, cluster, tag);
  }

  private async start(task: Pgtask, cluster: Pgcluster, tag: string): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    const replicas = this.ctx.cache.byCluster(PGREPLICA, ns, name).map((r) => r.metadata.name);
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: { [LABELS.minorUpgrade]: 'upgrade-in-progress' } }, spec: { userlabels: { [LABELS.minorUpgrade]: 'upgrade-in-progress' } } }));
    await tolerateMissing(
      this.ctx.writer.mergePatch(PGTASK, ns, task.metadata.name, {
        spec: { status: SPEC_STATUS.inProgress, parameters: { [UPGRADE_PARAMETERS.primary]: cluster.metadata.labels?.[LABELS.currentPrimary] ?? name, [UPGRADE_PARAMETERS.replicas]: replicas.join(','), [UPGRADE_PARAMETERS.backrest]: '' } },
      }),
    );
    await recordEvent(this.ctx, cluster, 'Normal', 'UpgradeCluster', `upgrading to ${tag}`);
  }

  private image(cluster: Pgcluster, container: string, tag: string): string | undefined {
    const image = container === 'database' ? cluster.spec.ccpimage || 'crunchy-postgres-ha' : SIDECAR_IMAGES[container];
    return image ? `${this.settings.ccpImagePrefix}/${image}:${tag}` : undefined;
  }

  /** 4.2.4's strategic merge of container images, as a JSON patch that checks each container's name. */
  private async patchImages(cluster: Pgcluster, deployment: string, tag: string): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const current = this.ctx.cache.get(DEPLOYMENTS, ns, deployment);
    if (!current) return;
    const operations = containersOf(current).flatMap((c, i) => {
      const image = this.image(cluster, c.name, tag);
      return image ? [{ op: 'test' as const, path: `/spec/template/spec/containers/${i}/name`, value: c.name }, { op: 'replace' as const, path: `/spec/template/spec/containers/${i}/image`, value: image }] : [];
    });
    await tolerateMissing(this.ctx.writer.jsonPatch(DEPLOYMENTS, ns, deployment, operations));
  }

  /** The last patched instance runs the new image and is ready (or is gone): the next step may start. */
  private settled(cluster: Pgcluster, deployment: string, tag: string): boolean {
    const ns = cluster.metadata.namespace ?? '';
    if (!deployment || !this.ctx.cache.get(DEPLOYMENTS, ns, deployment)) return true;
    const image = this.image(cluster, 'database', tag);
    return this.ctx.cache
      .byCluster(PODS, ns, cluster.metadata.name)
      .some((p) => p.metadata.labels?.[LABELS.deploymentName] === deployment && !p.metadata.deletionTimestamp && podReady(p) && (p.spec as { containers?: Container[] } | undefined)?.containers?.find((c) => c.name === 'database')?.image === image);
  }

  private async record(task: Pgtask, parameters: Record<string, string>): Promise<void> {
    await tolerateMissing(this.ctx.writer.mergePatch(PGTASK, task.metadata.namespace ?? '', task.metadata.name, { spec: { parameters } }));
  }

  private async complete(task: Pgtask, cluster: Pgcluster, tag: string): Promise<void> {
    const ns = cluster.metadata.namespace ?? '';
    const name = cluster.metadata.name;
    await tolerateMissing(this.ctx.writer.jsonPatch(PGCLUSTER, ns, name, [{ op: 'replace', path: '/spec/ccpimagetag', value: tag }]));
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, name, { metadata: { labels: { [LABELS.minorUpgrade]: 'upgrade-complete' } }, spec: { userlabels: { [LABELS.minorUpgrade]: 'upgrade-complete' } } }));
    await this.setProgress(task, SPEC_STATUS.completed);
    await recordEvent(this.ctx, cluster, 'Normal', 'UpgradeClusterCompleted', `upgraded to ${tag}`);
    await this.completed(task, `cluster ${name} upgraded to ${tag}`);
  }
}
