/**
 * Names and the random parts of names, as pgo 4.2.4 made them, plus the name checks its API ran.
 */
import { randomInt, randomUUID } from 'node:crypto';
import { dns1123LabelProblem } from '../kube/label-syntax.js';
import { ALL, SECRET_SUFFIXES } from './constants.js';
import { invalid } from './errors.js';

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
export const DEFAULT_PASSWORD_LENGTH = 24;

function randomFrom(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** Four random lowercase letters (upstream `RandStringBytesRmndr(4)`). */
export function rand4(): string {
  return randomFrom(LOWER, 4);
}

export function newWorkflowId(): string {
  return randomUUID();
}

/** A random `[a-zA-Z]` password, the alphabet 4.2.4 used. */
export function generatePassword(length = DEFAULT_PASSWORD_LENGTH): string {
  return randomFrom(LETTERS, length);
}

/** DNS-1035 label: lowercase alphanumerics and '-', starting with a letter, at most 63 characters. */
export function dns1035LabelProblem(value: string): string | undefined {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(value)) {
    return "must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
  }
  return undefined;
}

/** Cluster names: a DNS-1035 label and not the reserved word `all`. */
export function assertClusterName(field: string, name: string): void {
  if (name === ALL) throw invalid(field, `'${ALL}' is reserved and cannot be a cluster name`);
  const problem = dns1035LabelProblem(name);
  if (problem) throw invalid(field, `'${name}' is not a valid cluster name: ${problem}`);
}

/** Names of other objects (policies, tasks): DNS-1123 labels. */
export function assertObjectName(field: string, name: string): void {
  const problem = dns1123LabelProblem(name);
  if (problem) throw invalid(field, `'${name}' is not a valid name: ${problem}`);
}

export const names = {
  rootSecret: (cluster: string) => `${cluster}${SECRET_SUFFIXES.root}`,
  primarySecret: (cluster: string) => `${cluster}${SECRET_SUFFIXES.primary}`,
  userSecret: (cluster: string, user: string) => `${cluster}-${user}${SECRET_SUFFIXES.user}`,
  collectSecret: (cluster: string) => `${cluster}${SECRET_SUFFIXES.collect}`,
  backrestRepoSecret: (cluster: string) => `${cluster}${SECRET_SUFFIXES.backrestRepo}`,
  workflowTask: (cluster: string, type: string) => `${cluster}-${type}`,
  policiesTask: (cluster: string) => `${cluster}-policies`,
  rmdataTask: (clusterOrReplica: string) => `${clusterOrReplica}-rmdata`,
  failoverTask: (cluster: string) => `${cluster}-failover`,
  backrestBackupTask: (cluster: string) => `backrest-backup-${cluster}`,
  backrestRestoreTask: (cluster: string, pvc: string) => `backrest-restore-${cluster}-to-${pvc}`,
  pgdumpTask: (cluster: string) => `backup-${cluster}-pgdump`,
  pgrestoreTask: (cluster: string) => `restore-${cluster}-pgdump`,
  pgdumpPvc: (cluster: string) => `backup-${cluster}-pgdump-pvc`,
  replica: (cluster: string) => `${cluster}-${rand4()}`,
  repoDeployment: (cluster: string) => `${cluster}-backrest-shared-repo`,
  replicaService: (cluster: string) => `${cluster}-replica`,
  pgbouncer: (cluster: string) => `${cluster}-pgbouncer`,
};
