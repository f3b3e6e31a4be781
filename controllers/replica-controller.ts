/**
 * Pgreplica: waits for its cluster to be Initialized, then builds the replica PVC, the shared
 * replica Service and the replica Deployment (reference §4.2). When a Pgreplica is gone its
 * Deployment goes too, unless failover made it the primary.
 */
import { CLUSTER_STATES, LABELS, REPLICA_STATES, SPEC_STATUS, USER_LABELS } from '../src/domain/constants.js';
import { PGCLUSTER, PGREPLICA } from '../src/domain/custom-resources.js';
import type { Pgcluster, Pgreplica } from '../src/domain/custom-resources.js';
import { names } from '../src/domain/naming.js';
import type { PgoSettings } from '../src/domain/settings.js';
import { DEPLOYMENTS, PVCS, SERVICES } from '../src/kube/resources.js';
import type { KubeObject } from '../src/kube/resources.js';
import { ensure, recordEvent, tolerateMissing, withOwner } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, splitKey } from './runtime.js';
import type { Controller } from './runtime.js';
import { replicaNodeRule } from './database-pod.js';
import { instanceLookups } from './instance-lookups.js';
import { clusterPorts, pgDeployment, pvc, service, validUserLabels } from './templates.js';

export const REPLICA_PROCESSED_MESSAGE = 'Successfully processed Pgreplica by controller';
export const PENDING_INIT_MESSAGE = 'Pgreplica processing pending the creation of the initial backup';

export class ReplicaController implements Controller {
  readonly name = 'pgreplica';
  readonly kind = 'Pgreplica';
  readonly watches = [
    { kind: 'Pgcluster', keys: (cluster: KubeObject) => this.ctx.cache.byCluster(PGREPLICA, cluster.metadata.namespace ?? '', cluster.metadata.name).map(keyOf) },
    { kind: 'Deployment', keys: (d: KubeObject) => (d.metadata.labels?.['replica-name'] ? [`${d.metadata.namespace}/${d.metadata.name}`] : []) },
  ];

  constructor(
    private readonly ctx: ControllerContext,
    private readonly settings: PgoSettings,
  ) {}

  allKeys(): string[] {
    return this.ctx.cache.list(PGREPLICA).map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const replica = this.ctx.cache.get(PGREPLICA, namespace, name);
    if (!replica) return this.removeOrphan(namespace, name);
    if (replica.metadata.deletionTimestamp) return;
    const cluster = this.ctx.cache.get(PGCLUSTER, namespace, replica.spec.clustername);
    if (!cluster) return;
    if (cluster.status?.state !== CLUSTER_STATES.initialized) {
      if (replica.status?.state !== REPLICA_STATES.pendingInit && replica.status?.state !== REPLICA_STATES.pendingRestore) {
        await tolerateMissing(this.ctx.writer.patchStatus(PGREPLICA, namespace, name, { state: REPLICA_STATES.pendingInit, message: PENDING_INIT_MESSAGE }));
      }
      return;
    }
    if (replica.spec.status !== SPEC_STATUS.completed) await this.build(cluster, replica);
    if (replica.status?.state !== REPLICA_STATES.processed) {
      await tolerateMissing(this.ctx.writer.patchStatus(PGREPLICA, namespace, name, { state: REPLICA_STATES.processed, message: REPLICA_PROCESSED_MESSAGE }));
    }
  }

  private async build(cluster: Pgcluster, replica: Pgreplica): Promise<void> {
    const ns = replica.metadata.namespace ?? '';
    const clusterName = cluster.metadata.name;
    const storage = replica.spec.replicastorage;
    const pvcObject = pvc(ns, clusterName, replica.metadata.name, storage);
    if (pvcObject) await ensure(this.ctx, PVCS, pvcObject);
    const serviceType = replica.spec.userlabels?.[USER_LABELS.serviceType] || cluster.spec.userlabels?.[USER_LABELS.serviceType] || this.settings.serviceType;
    await ensure(this.ctx, SERVICES, withOwner(service(ns, clusterName, names.replicaService(clusterName), serviceType, clusterPorts(cluster, true)), cluster));
    const labels = {
      ...validUserLabels(replica.spec.userlabels),
      'replica-name': replica.metadata.name,
      [LABELS.name]: names.replicaService(clusterName),
      [LABELS.pgCluster]: clusterName,
      [LABELS.deploymentName]: replica.metadata.name,
      [LABELS.pghaScope]: cluster.metadata.labels?.[LABELS.pghaScope] ?? clusterName,
    };
    const imageTag = replica.spec.userlabels?.[USER_LABELS.ccpImageTag] || cluster.spec.ccpimagetag;
    // Owned by the cluster, not the Pgreplica: a replica promoted by failover must outlive its Pgreplica.
    const resources = replica.spec.containerresources?.limitscpu ? { resources: replica.spec.containerresources } : {};
    const nodeRule = replicaNodeRule(cluster, replica.spec.userlabels);
    const deployment = pgDeployment({ cluster, name: replica.metadata.name, pvcName: pvcObject ? replica.metadata.name : undefined, storage, imageTag, labels, settings: this.settings, init: false, ...resources, ...(nodeRule ? { nodeRule } : {}), ...instanceLookups(this.ctx.cache, cluster) });
    await ensure(this.ctx, DEPLOYMENTS, withOwner(deployment, cluster));
    await tolerateMissing(
      this.ctx.writer.jsonPatch(PGREPLICA, ns, replica.metadata.name, [
        { op: 'replace', path: '/spec/status', value: SPEC_STATUS.completed },
        { op: 'replace', path: '/spec/replicastorage/name', value: pvcObject ? replica.metadata.name : '' },
      ]),
    );
    await recordEvent(this.ctx, replica, 'Normal', 'ScaleCluster', `created replica Deployment ${replica.metadata.name}`);
  }

  /** The Pgreplica is gone: its Deployment goes unless it now serves as primary. */
  private async removeOrphan(namespace: string, name: string): Promise<void> {
    const deployment = this.ctx.cache.get(DEPLOYMENTS, namespace, name);
    if (!deployment || !deployment.metadata.labels?.['replica-name']) return;
    const labels = deployment.metadata.labels;
    if (labels[LABELS.serviceName] && labels[LABELS.serviceName] === labels[LABELS.pgCluster]) return;
    const cluster = this.ctx.cache.get(PGCLUSTER, namespace, labels[LABELS.pgCluster] ?? '');
    if (cluster?.metadata.labels?.[LABELS.currentPrimary] === name) return;
    await this.ctx.writer.deleteIfExists(DEPLOYMENTS, namespace, name, 'Foreground');
  }
}
