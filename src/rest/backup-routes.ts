/**
 * Backups and restores as pgo 4.2.4's backrestservice (pgBackRest), backupservice (the legacy
 * pg_basebackup) and pgdumpservice answered them: request keys, query parameters, result lines,
 * Status messages and response shapes.
 *
 * Only the GET routes checked the client version in 4.2.4; its POST requests carried none. After the
 * namespace check a refusal keeps the results already written (an empty list at first), as 4.2.4's
 * implementations did; the route's `failure` is the zero response of an earlier refusal.
 */
import { backrestStorageTypeProblem, backupOptionsProblem, splitBackrestType } from '../domain/backup-options.js';
import type { BackrestBackupType } from '../domain/backup-service.js';
import type { ClusterTarget } from '../domain/cluster-service.js';
import { ALL, TASK_TYPES, USER_LABELS } from '../domain/constants.js';
import { PGBACKUP } from '../domain/custom-resources.js';
import type { CrStatus, Pgbackup, PgbackupSpec, Pgcluster, PgStorageSpec, Pgtask } from '../domain/custom-resources.js';
import { DomainError } from '../domain/errors.js';
import { names } from '../domain/naming.js';
import type { KubeObjectMeta } from '../kube/resources.js';
import { errorStatus, okStatus, PgoFailure, refusable, resultsResponse } from './route.js';
import type { PgoStatus, RestRequest, RestRoute } from './route.js';

const backrestResponse = (items: { Name: string; Info: string }[] | null, status: PgoStatus) => ({ Items: items, ...status });

/** apiservermsgs.ShowBackupResponse: a crv1.PgbackupList (TypeMeta inline, then metadata, items) and the Status. */
const backupListResponse = (items: object[] | null, status: PgoStatus, typed = false) => ({
  BackupList: { ...(typed ? { kind: `${PGBACKUP.kind}List`, apiVersion: PGBACKUP.apiVersion } : {}), metadata: {}, items },
  ...status,
});

const optional = (text: string): string | undefined => (text === '' ? undefined : text);
const query = (req: RestRequest, key: string): string => req.query.get(key) ?? '';

const clusterNotFound = (name: string) => `${name} was not found, verify cluster name`;
const nodeLabelMalformed = (label: string) => `${label} node label does not follow key=value format`;

/** The option check 4.2.4 ran before looking at any cluster. */
function checkOptions(program: Parameters<typeof backupOptionsProblem>[0], options: string): void {
  const problem = backupOptionsProblem(program, options);
  if (problem !== undefined) throw new PgoFailure(problem);
}

/** The clusters a backup request names: those its selector matches (refused when none), else its Args. */
function requestedClusters(req: RestRequest, namespace: string): string[] | undefined {
  const selector = req.body.string('Selector');
  if (selector === '') return req.body.strings('Args');
  const found = req.services.clusters.select(req.caller, { namespace, selector });
  return found.length === 0 ? undefined : found.map((c) => c.spec.name || c.metadata.name);
}

const NO_CLUSTERS = 'no clusters found with that selector';

/** A show route's clusters: `all` without a selector is every cluster; else the selector, `name=<name>` by default. */
function shownClusters(req: RestRequest, namespace: string, name: string): Pgcluster[] {
  const selector = query(req, 'selector');
  const target: ClusterTarget = selector === '' && name === ALL ? { namespace, names: [ALL] } : { namespace, selector: selector === '' ? `name=${name}` : selector };
  return req.services.clusters.select(req.caller, target);
}

const storageTypesOf = (req: RestRequest, namespace: string, cluster: string): string => req.services.clusters.get(req.caller, namespace, cluster).spec.userlabels?.[USER_LABELS.backrestStorageType] ?? '';

async function backrestBackup(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const backupOpts = req.body.string('BackupOpts');
  const storageType = req.body.string('BackrestStorageType');
  const results: string[] = [];
  let current = '';
  return refusable(
    async () => {
      checkOptions('pgbackrest-backup', backupOpts);
      const clusters = requestedClusters(req, namespace);
      if (!clusters) return resultsResponse([NO_CLUSTERS], okStatus());
      // pgo sends the backup type inside the options; the domain takes it apart from them.
      const { type, options } = splitBackrestType(backupOpts);
      for (const cluster of clusters) {
        current = cluster;
        const created = await req.services.backups.backrestBackup(req.caller, { namespace, cluster, type: type as BackrestBackupType | undefined, options: optional(options), storageType: optional(storageType) });
        results.push(`created Pgtask ${created.task.metadata.name}`);
      }
      return resultsResponse(results, okStatus());
    },
    (message) => resultsResponse(results, errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return clusterNotFound(current);
      if (error.field === 'cluster') return `${current} does not have pgbackrest enabled`;
      if (error.field === 'storageType') return backrestStorageTypeProblem(storageType, storageTypesOf(req, namespace, current), false);
      return undefined;
    },
  );
}

const INFO_UNAVAILABLE = 'pgbackrest info is not available here: 4.2.4 ran it by exec in the repository pod, which this API server does not serve. Backups requested for this cluster, as their tasks record them:';

/** One recorded pgBackRest backup: its task, options, progress and when it was asked for. */
function backupLine(task: Pgtask): string {
  const p = task.spec.parameters ?? {};
  const kind = p['pgha-backup-type'] ? ` (${p['pgha-backup-type']})` : '';
  return `  ${task.metadata.name}${kind}: options "${p['backrest-opts'] ?? ''}", status "${task.spec.status || 'submitted'}", requested ${task.metadata.creationTimestamp ?? ''}`;
}

/**
 * What stands in for `pgbackrest info`: 4.2.4's sections, one per storage type the cluster uses
 * (local unless it is s3 only), each listing the backup tasks that wrote to that repository.
 */
function backrestInfo(cluster: Pgcluster, tasks: Pgtask[]): string {
  const clusterTypes = cluster.spec.userlabels?.[USER_LABELS.backrestStorageType] ?? '';
  const sections = [...(clusterTypes !== 's3' ? ['local'] : []), ...(clusterTypes.includes('s3') ? ['s3'] : [])];
  return sections
    .map((type) => {
      const written = tasks.filter((t) => (t.spec.parameters?.['backrest-storage-type'] || clusterTypes || 'local').split(',').includes(type));
      const lines = written.length > 0 ? written.map(backupLine) : ['  none'];
      return `\nStorage Type: ${type}\n${INFO_UNAVAILABLE}\n${lines.join('\n')}\n`;
    })
    .join('');
}

function showBackrest(req: RestRequest) {
  req.requireVersion(query(req, 'version'));
  const namespace = req.namespace(query(req, 'namespace'));
  return refusable(
    () => {
      const items = shownClusters(req, namespace, req.params.name).map((c) => {
        const tasks = req.services.backups.backups(req.caller, namespace, c.metadata.name).filter((t) => t.spec.tasktype === TASK_TYPES.backrest);
        return { Name: c.metadata.name, Info: backrestInfo(c, tasks) };
      });
      return backrestResponse(items, okStatus());
    },
    (message) => backrestResponse([], errorStatus(message)),
  );
}

async function backrestRestore(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const from = req.body.string('FromCluster');
  const opts = req.body.string('RestoreOpts');
  const pitrTarget = req.body.string('PITRTarget');
  const nodeLabel = req.body.string('NodeLabel');
  const storageType = req.body.string('BackrestStorageType');
  return refusable(
    async () => {
      const created = await req.services.backups.backrestRestore(req.caller, {
        namespace,
        cluster: from,
        toPvc: optional(req.body.string('ToPVC')),
        options: optional(opts),
        pitrTarget: optional(pitrTarget),
        nodeLabel: optional(nodeLabel),
        storageType: optional(storageType),
      });
      const toPvc = created.task.spec.parameters['backrest-restore-to-pvc'];
      return resultsResponse([`restore performed on ${from} to ${toPvc} opts=${opts} pitr-target=${pitrTarget}`, `workflow id ${created.workflowId ?? ''}`], okStatus());
    },
    (message) => resultsResponse([], errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return clusterNotFound(from);
      if (error.field === 'cluster') return "can't restore, cluster restoring from does not have backrest enabled";
      if (error.field === 'storageType') return backrestStorageTypeProblem(storageType, storageTypesOf(req, namespace, from), true);
      if (error.field === 'nodeLabel') return nodeLabelMalformed(nodeLabel);
      return undefined;
    },
  );
}

const goStorage = (s: Partial<PgStorageSpec> | undefined): PgStorageSpec => ({
  name: s?.name ?? '',
  storageclass: s?.storageclass ?? '',
  accessmode: s?.accessmode ?? '',
  size: s?.size ?? '',
  storagetype: s?.storagetype ?? '',
  fsgroup: s?.fsgroup ?? '',
  supplementalgroups: s?.supplementalgroups ?? '',
  matchLabels: s?.matchLabels ?? '',
});

/** crv1.PgbackupSpec in Go field order; a nil `toc` is null. */
const goBackupSpec = (spec: Partial<PgbackupSpec>) => ({
  namespace: spec.namespace ?? '',
  name: spec.name ?? '',
  storagespec: goStorage(spec.storagespec),
  ccpimagetag: spec.ccpimagetag ?? '',
  backuphost: spec.backuphost ?? '',
  backupusersecret: spec.backupusersecret ?? '',
  backupport: spec.backupport ?? '',
  backupstatus: spec.backupstatus ?? '',
  backuppvc: spec.backuppvc ?? '',
  backupopts: spec.backupopts ?? '',
  toc: spec.toc ?? null,
});

const OBJECT_META_ORDER = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'clusterName', 'managedFields'];

/** metav1.ObjectMeta in Go field order: every field omitted when empty but creationTimestamp, null when unset. */
function goObjectMeta(meta: Partial<KubeObjectMeta>) {
  const out: Record<string, unknown> = {};
  for (const key of OBJECT_META_ORDER) {
    const value = meta[key];
    if (key === 'creationTimestamp') out[key] = value ?? null;
    else if (value !== undefined && value !== '' && !(typeof value === 'object' && value !== null && Object.keys(value).length === 0)) out[key] = value;
  }
  return out;
}

/** crv1.PgbackupStatus: a struct, so always present, its two fields omitted when empty. */
const goBackupStatus = (status: CrStatus | undefined) => ({ ...(status?.state ? { state: status.state } : {}), ...(status?.message ? { message: status.message } : {}) });

/** crv1.Pgbackup as Go encoded it: TypeMeta inline, then metadata, spec, status. */
const goBackup = (backup: Pgbackup) => ({
  ...(backup.kind ? { kind: backup.kind } : {}),
  ...(backup.apiVersion ? { apiVersion: backup.apiVersion } : {}),
  metadata: goObjectMeta(backup.metadata),
  spec: goBackupSpec(backup.spec),
  status: goBackupStatus(backup.status),
});

function showBasebackup(req: RestRequest) {
  req.requireVersion(query(req, 'version'));
  const namespace = req.namespace(query(req, 'namespace'));
  const name = req.params.name;
  if (name === ALL) return backupListResponse(req.services.backups.basebackups(req.caller, namespace).map(goBackup), okStatus(), true);
  try {
    return backupListResponse([goBackup(req.services.backups.getBasebackup(req.caller, namespace, name))], okStatus());
  } catch (error) {
    if (error instanceof DomainError && error.kind === 'NotFound') throw new PgoFailure(`backup not found for ${name}`);
    throw error;
  }
}

async function deleteBasebackup(req: RestRequest) {
  req.requireVersion(query(req, 'version'));
  const namespace = req.namespace(query(req, 'namespace'));
  const name = req.params.name;
  return refusable(
    async () => {
      if (name === ALL) throw new PgoFailure('all not a valid cluster name');
      await req.services.backups.deleteBasebackup(req.caller, namespace, name);
      return resultsResponse([name], okStatus());
    },
    (message) => resultsResponse([], errorStatus(message)),
    // client-go's NotFound text for the Pgbackup 4.2.4 tried to delete.
    (error) => (error.kind === 'NotFound' ? `${PGBACKUP.plural}.${PGBACKUP.group} "${name}" not found` : undefined),
  );
}

const storageConfigMissing = (name: string) => `${name} Storage config was not found `;

/** pg_basebackup and pg_dump requests: the options checked, then one backup per requested cluster, refusals in 4.2.4's words. */
async function backupEachCluster(req: RestRequest, program: 'pg_basebackup' | 'pg_dump', backup: (namespace: string, cluster: string) => Promise<string[]>) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const storageConfig = req.body.string('StorageConfig');
  const results: string[] = [];
  let current = '';
  return refusable(
    async () => {
      checkOptions(program, req.body.string('BackupOpts'));
      const clusters = requestedClusters(req, namespace);
      if (!clusters) return resultsResponse([NO_CLUSTERS], okStatus());
      for (const cluster of clusters) {
        current = cluster;
        results.push(...(await backup(namespace, cluster)));
      }
      return resultsResponse(results, okStatus());
    },
    (message) => resultsResponse(results, errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return clusterNotFound(current);
      if (error.field === 'storageConfig') return storageConfigMissing(storageConfig);
      return undefined;
    },
  );
}

const createBasebackup = (req: RestRequest) =>
  backupEachCluster(req, 'pg_basebackup', async (namespace, cluster) => {
    // 4.2.4 replaced a re-submitted backup's options with the request's, empty included.
    const created = await req.services.backups.basebackup(req.caller, { namespace, cluster, storageConfig: optional(req.body.string('StorageConfig')), pvcName: optional(req.body.string('PVCName')), options: req.body.string('BackupOpts') });
    return [`created backup Job for ${cluster}`, `workflow id ${created.workflowId}`];
  });

/** 4.2.4 listed every problem of a pg_basebackup restore under one heading; the domain names the first it finds. */
async function restoreBasebackup(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const from = req.body.string('FromCluster');
  const backupPath = req.body.string('BackupPath');
  const fromPvc = req.body.string('FromPVC');
  const nodeLabel = req.body.string('NodeLabel');
  const invalidRequest = (problem: string) => new PgoFailure(`Invalid pgbasebackup restore request:\n${problem}`);
  try {
    const created = await req.services.backups.basebackupRestore(req.caller, { namespace, cluster: from, toPvc: optional(req.body.string('ToPVC')), backupPath: optional(backupPath), fromPvc: optional(fromPvc), nodeLabel: optional(nodeLabel) });
    const p = created.task.spec.parameters;
    return resultsResponse([`pgbasebackup restore performed on ${from} to PVC ${p['pgbasebackup-restore-to-pvc']} using backup '${p['pgbasebackup-restore-backup-path']}'`, `workflow id ${created.workflowId ?? ''}`], okStatus());
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.kind === 'NotFound') throw invalidRequest(clusterNotFound(from));
    if (error.field === 'fromPvc') throw invalidRequest(`A PVC with name ${fromPvc} was not found`);
    if (error.field === 'cluster') throw invalidRequest(`Unable to find a pgbackup for ${from}`);
    if (error.field === 'backupPath' && backupPath !== '') throw invalidRequest(`A backup with path '${backupPath}' does not exist for cluster ${from}`);
    if (error.field === 'nodeLabel') throw invalidRequest(nodeLabelMalformed(nodeLabel));
    throw error;
  }
}

const createDump = (req: RestRequest) =>
  backupEachCluster(req, 'pg_dump', async (namespace, cluster) => {
    const created = await req.services.backups.pgdumpBackup(req.caller, { namespace, cluster, options: optional(req.body.string('BackupOpts')), storageConfig: optional(req.body.string('StorageConfig')), pvcName: optional(req.body.string('PVCName')) });
    return [`created Pgtask ${created.task.metadata.name}`];
  });

/** A pg_dump task shown as 4.2.4 showed it: a Pgbackup holding only what the task records. */
function dumpAsBackup(task: Pgtask) {
  const p = task.spec.parameters ?? {};
  const opts = p['pgdump-opts'] ?? '';
  return {
    metadata: { creationTimestamp: task.metadata.creationTimestamp ?? null },
    spec: goBackupSpec({
      name: task.spec.name,
      storagespec: { ...goStorage(undefined), accessmode: task.spec.storagespec?.accessmode ?? '', size: task.spec.storagespec?.size ?? '' },
      ccpimagetag: p['ccp-image-tag'],
      backuphost: p['pgdump-host'],
      backupusersecret: p['pgdump-user'],
      backupport: p['pgdump-port'],
      backupstatus: task.spec.status,
      backuppvc: p['pvc-name'],
      // The task keeps --dump-all apart from the other options; 4.2.4 put it back in front.
      backupopts: p['pgdump-all'] === 'true' ? `--dump-all ${opts}` : opts,
    }),
    status: {},
  };
}

function showDump(req: RestRequest) {
  req.requireVersion(query(req, 'version'));
  const namespace = req.namespace(query(req, 'namespace'));
  return refusable(
    () => {
      const items: object[] = [];
      let status = okStatus();
      for (const cluster of shownClusters(req, namespace, req.params.name)) {
        const taskName = names.pgdumpTask(cluster.metadata.name);
        const task = req.services.backups.backups(req.caller, namespace, cluster.metadata.name).find((t) => t.spec.tasktype === TASK_TYPES.pgdump && t.metadata.name === taskName);
        if (task) items.push(dumpAsBackup(task));
        // 4.2.4's text as its Sprintln printed it: the verb unformatted, the name after a space.
        else status = okStatus(`pgDump %s not found. ${taskName}\n`);
      }
      return backupListResponse(items, status);
    },
    (message) => backupListResponse([], errorStatus(message)),
  );
}

/** 4.2.4 answered a pg_restore request it carried out with this message and an ok code; pgo prints only the results. */
const PGRESTORE_DONE_MESSAGE = 'Restore Not Implemented';

async function restoreDump(req: RestRequest) {
  const namespace = req.namespace(req.body.string('Namespace'));
  const from = req.body.string('FromCluster');
  const fromPvc = req.body.string('FromPVC');
  const opts = req.body.string('RestoreOpts');
  const pitrTarget = req.body.string('PITRTarget');
  const nodeLabel = req.body.string('NodeLabel');
  return refusable(
    async () => {
      await req.services.backups.pgdumpRestore(req.caller, { namespace, cluster: from, fromCluster: from, fromPvc, options: optional(opts), pitrTarget: optional(pitrTarget), nodeLabel: optional(nodeLabel) });
      return resultsResponse([`restore performed on ${from} to ${fromPvc} opts=${opts} pitr-target=${pitrTarget}`], okStatus(PGRESTORE_DONE_MESSAGE));
    },
    (message) => resultsResponse([], errorStatus(message)),
    (error) => {
      if (error.kind === 'NotFound') return clusterNotFound(from);
      // client-go's answers when 4.2.4 looked the PVC up.
      if (error.field === 'fromPvc') return fromPvc === '' ? 'resource name may not be empty' : `persistentvolumeclaims "${fromPvc}" not found`;
      if (error.field === 'nodeLabel') return nodeLabelMalformed(nodeLabel);
      return undefined;
    },
  );
}

export const backupRoutes: RestRoute[] = [
  { method: 'POST', path: '/backrestbackup', permission: 'CreateBackup', failure: (status) => resultsResponse(null, status), handle: backrestBackup },
  { method: 'GET', path: '/backrest/{name}', permission: 'ShowBackup', failure: (status) => backrestResponse(null, status), handle: showBackrest },
  { method: 'POST', path: '/restore', permission: 'Restore', failure: (status) => resultsResponse(null, status), handle: backrestRestore },
  { method: 'GET', path: '/backups/{name}', permission: 'ShowBackup', failure: (status) => backupListResponse(null, status), handle: showBasebackup },
  { method: 'GET', path: '/backupsdelete/{name}', permission: 'DeleteBackup', failure: (status) => resultsResponse(null, status), handle: deleteBasebackup },
  { method: 'POST', path: '/backups', permission: 'CreateBackup', failure: (status) => resultsResponse(null, status), handle: createBasebackup },
  { method: 'POST', path: '/pgbasebackuprestore', permission: 'RestorePgbasebackup', failure: (status) => resultsResponse(null, status), handle: restoreBasebackup },
  { method: 'POST', path: '/pgdumpbackup', permission: 'CreateDump', failure: (status) => resultsResponse(null, status), handle: createDump },
  { method: 'GET', path: '/pgdump/{name}', permission: 'ShowBackup', failure: (status) => backupListResponse(null, status), handle: showDump },
  { method: 'POST', path: '/pgdumprestore', permission: 'RestoreDump', failure: (status) => resultsResponse(null, status), handle: restoreDump },
];
