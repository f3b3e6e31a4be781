/**
 * Discovery and version documents. They list exactly what is served, because kubectl and
 * KubernetesObjectApi build every URL from them.
 */
import type { JsonObject } from '../json.js';
import type { ResourceRegistry, ResourceType } from './resource-types.js';
import { groupVersion } from './resource-types.js';

/**
 * Minor 29 makes the image's kubectl dispatcher run kubectl 1.29, the newest one that still sends
 * JSON (not protobuf) bodies for imperative commands such as `kubectl create namespace`.
 */
export const REPORTED_VERSION = { major: '1', minor: '29', gitVersion: 'v1.29.0-embedded' } as const;

export function versionDocument(): JsonObject {
  return {
    major: REPORTED_VERSION.major,
    minor: REPORTED_VERSION.minor,
    gitVersion: REPORTED_VERSION.gitVersion,
    gitCommit: 'embedded',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'n/a',
    compiler: 'n/a',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

/**
 * The smallest OpenAPI v2 protobuf document kubectl 1.20 accepts (swagger "2.0" and an info block):
 * with no definitions it skips client-side validation instead of failing `apply`.
 */
export const OPENAPI_V2_PROTOBUF = Buffer.from('0a03322e301218' + '0a0d6b7562652d656d626564646564' + '120776312e32392e30', 'hex');

export function apiVersions(serverAddress: string): JsonObject {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function groupEntry(name: string, versions: string[]): JsonObject {
  const list = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

export function apiGroupList(registry: ResourceRegistry): JsonObject {
  const groups = new Map<string, string[]>();
  for (const { group, version } of registry.groupVersions()) {
    if (!group) continue;
    const versions = groups.get(group) ?? [];
    if (!versions.includes(version)) versions.push(version);
    groups.set(group, versions);
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: [...groups].map(([name, versions]) => groupEntry(name, versions)) };
}

export function apiGroup(registry: ResourceRegistry, group: string): JsonObject | undefined {
  const versions = registry.groupVersions().filter((gv) => gv.group === group).map((gv) => gv.version);
  if (versions.length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group, versions) };
}

function resourceEntries(rt: ResourceType): JsonObject[] {
  const main: JsonObject = { name: rt.plural, singularName: rt.singular, namespaced: rt.namespaced, kind: rt.kind, verbs: [...rt.verbs] };
  if (rt.shortNames.length > 0) main.shortNames = rt.shortNames;
  if (rt.categories.length > 0) main.categories = rt.categories;
  // A subresource must come after its resource: KubernetesObjectApi takes the first entry of a kind.
  const entries = [main];
  if (rt.hasStatus) entries.push({ name: `${rt.plural}/status`, singularName: '', namespaced: rt.namespaced, kind: rt.kind, verbs: ['get', 'patch', 'update'] });
  return entries;
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string): JsonObject | undefined {
  const types = registry.typesIn(group, version);
  if (types.length === 0) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(types[0]), resources: types.flatMap(resourceEntries) };
}
