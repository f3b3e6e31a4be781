/** The read-only Kubernetes objects a dashboard shows beside a cluster. */
import { Field, Int, ObjectType } from 'type-graphql';
import type { KubeObject } from '../src/kube/resources.js';
import { LABELS } from '../src/domain/constants.js';
import { podReady } from '../src/domain/pods.js';
import { DOC, KeyValue, keyValues } from './common.js';

@ObjectType({ description: 'A pod of a cluster: a PostgreSQL instance, the pgBackRest repository or pgBouncer.' })
export class Pod {
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The pod name; changes when the pod is re-created.' }) name!: string;
  @Field(() => String, { description: 'Pending, Running, Succeeded, Failed or Unknown.' }) phase!: string;
  @Field(() => Boolean, { description: 'Every container reports ready.' }) ready!: boolean;
  @Field(() => String, { description: 'Patroni role: master, replica, promoted; empty for non-database pods.' }) role!: string;
  @Field(() => String, { description: 'The Deployment it belongs to (`deployment-name` label).' }) deployment!: string;
  @Field(() => String, { description: 'The node it runs on.' }) node!: string;
  @Field(() => String, { description: 'Pod IP, empty until scheduled.' }) ip!: string;
  @Field(() => Int, { description: 'Container restarts summed over containers.' }) restarts!: number;
  @Field(() => [KeyValue], { description: DOC.labels }) labels!: KeyValue[];
}

export function toPod(pod: KubeObject): Pod {
  const status = (pod.status ?? {}) as { phase?: string; podIP?: string; containerStatuses?: { restartCount?: number }[] };
  const labels = pod.metadata.labels ?? {};
  return {
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name,
    phase: status.phase ?? 'Unknown',
    ready: podReady(pod),
    role: labels[LABELS.role] ?? '',
    deployment: labels[LABELS.deploymentName] ?? '',
    node: String((pod.spec as { nodeName?: string } | undefined)?.nodeName ?? ''),
    ip: status.podIP ?? '',
    restarts: (status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    labels: keyValues(labels),
  };
}

@ObjectType({ description: 'A port a Service exposes.' })
export class ServicePort {
  @Field(() => String, { description: 'The port name, e.g. postgres, pgbackrest or pgbouncer; may be empty.' }) name!: string;
  @Field(() => Int, { description: 'The port clients connect to on the Service address.' }) port!: number;
  @Field(() => String, { description: 'TCP, UDP or SCTP.' }) protocol!: string;
  @Field(() => Int, { nullable: true, description: 'Set for NodePort and LoadBalancer services.' }) nodePort!: number | null;
}

@ObjectType({ description: 'A Service of a cluster: primary, replicas, pgBackRest repository or pgBouncer.' })
export class Service {
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The Service name: also the host name clients use inside the namespace.' }) name!: string;
  @Field(() => String, { description: 'ClusterIP, NodePort or LoadBalancer.' }) type!: string;
  @Field(() => String, { description: 'Address inside the cluster.' }) clusterIp!: string;
  @Field(() => [String], { description: 'External addresses (load balancer ingress or external IPs).' }) externalAddresses!: string[];
  @Field(() => [ServicePort], { description: 'The ports it exposes.' }) ports!: ServicePort[];
}

export function toService(svc: KubeObject): Service {
  const spec = (svc.spec ?? {}) as { type?: string; clusterIP?: string; externalIPs?: string[]; ports?: { name?: string; port: number; protocol?: string; nodePort?: number }[] };
  const ingress = ((svc.status as { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } } | undefined)?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '');
  return {
    namespace: svc.metadata.namespace ?? '',
    name: svc.metadata.name,
    type: spec.type ?? 'ClusterIP',
    clusterIp: spec.clusterIP ?? '',
    externalAddresses: [...ingress, ...(spec.externalIPs ?? [])].filter(Boolean),
    ports: (spec.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', nodePort: p.nodePort ?? null })),
  };
}

@ObjectType({ description: 'A Deployment of a cluster.' })
export class Deployment {
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The Deployment name: the cluster name for the primary, <cluster>-<4 letters> for replicas.' }) name!: string;
  @Field(() => Int, { description: 'Desired pods.' }) replicas!: number;
  @Field(() => Int, { description: 'Pods ready.' }) readyReplicas!: number;
  @Field(() => String, { description: 'The image of its first container.' }) image!: string;
  @Field(() => [KeyValue], { description: DOC.labels }) labels!: KeyValue[];
}

export function toDeployment(d: KubeObject): Deployment {
  const spec = (d.spec ?? {}) as { replicas?: number; template?: { spec?: { containers?: { image?: string }[] } } };
  const status = (d.status ?? {}) as { readyReplicas?: number };
  return {
    namespace: d.metadata.namespace ?? '',
    name: d.metadata.name,
    replicas: spec.replicas ?? 1,
    readyReplicas: status.readyReplicas ?? 0,
    image: spec.template?.spec?.containers?.[0]?.image ?? '',
    labels: keyValues(d.metadata.labels),
  };
}

@ObjectType({ description: 'A PersistentVolumeClaim of a cluster.' })
export class PersistentVolumeClaim {
  @Field(() => String, { description: DOC.namespace }) namespace!: string;
  @Field(() => String, { description: 'The PVC name.' }) name!: string;
  @Field(() => String, { description: 'Pending, Bound or Lost.' }) phase!: string;
  @Field(() => String, { description: 'Requested size.' }) requested!: string;
  @Field(() => String, { description: 'Size actually provisioned; empty until bound.' }) capacity!: string;
  @Field(() => String, { description: 'The StorageClass it was provisioned from; empty for the cluster default.' }) storageClass!: string;
}

export function toPvc(pvc: KubeObject): PersistentVolumeClaim {
  const spec = (pvc.spec ?? {}) as { storageClassName?: string; resources?: { requests?: { storage?: string } } };
  const status = (pvc.status ?? {}) as { phase?: string; capacity?: { storage?: string } };
  return {
    namespace: pvc.metadata.namespace ?? '',
    name: pvc.metadata.name,
    phase: status.phase ?? 'Pending',
    requested: spec.resources?.requests?.storage ?? '',
    capacity: status.capacity?.storage ?? '',
    storageClass: spec.storageClassName ?? '',
  };
}
