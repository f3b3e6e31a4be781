/** The services enforce the caller's namespaces, whatever front-end calls them. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Caller, ServiceContext } from '../../src/domain/context.js';
import { DomainError } from '../../src/domain/errors.js';
import { defaultSettings } from '../../src/domain/settings.js';
import { createServices } from '../../src/domain/services.js';
import type { Services } from '../../src/domain/services.js';
import { createKubeConfig } from '../../src/kube/client.js';
import { CUSTOM_RESOURCES, PODS, SECRETS, CONFIGMAPS, DEPLOYMENTS, PVCS } from '../../src/kube/resources.js';
import { WatchCache } from '../../src/kube/watch-cache.js';
import { KubeWriter } from '../../src/kube/writer.js';
import { startTestServer } from '../support/embedded.js';
import type { TestServer } from '../support/embedded.js';

const onlyFirst: Caller = { username: 'alice', canAccess: (namespace) => namespace === 'pgouser1', can: () => true };

function rejectsWith(kind: DomainError['kind']): (error: unknown) => boolean {
  return (error) => error instanceof DomainError && error.kind === kind;
}

describe('namespace access in the domain services', () => {
  let t: TestServer;
  let cache: WatchCache;
  let writer: KubeWriter;
  let services: Services;

  before(async () => {
    t = await startTestServer({ namespaces: ['pgouser1', 'pgouser2'] });
    const kc = createKubeConfig('embedded', t.server.kubeconfigPath);
    cache = new WatchCache(kc, [...CUSTOM_RESOURCES, PODS, SECRETS, CONFIGMAPS, DEPLOYMENTS, PVCS], { namespaces: ['pgouser1', 'pgouser2'] });
    cache.start();
    await cache.synced();
    writer = new KubeWriter(kc);
    const ctx: ServiceContext = { cache, writer, settings: defaultSettings(), namespaces: ['pgouser1', 'pgouser2'], operatorNamespace: 'pgo', now: () => new Date() };
    services = createServices(ctx);
  });
  after(async () => {
    await cache.stop();
    writer.close();
    await t.dispose();
  });

  test('a caller creates in a namespace it may access and the cluster carries its name', async () => {
    const created = await services.clusters.create(onlyFirst, { namespace: 'pgouser1', name: 'alices' });
    assert.equal(created.cluster.metadata.labels?.pgouser, 'alice');
  });

  test('a caller is Forbidden in a managed namespace it may not access, and nothing is written', async () => {
    const before = writer.requests;
    await assert.rejects(services.clusters.create(onlyFirst, { namespace: 'pgouser2', name: 'nope' }), rejectsWith('Forbidden'));
    await assert.rejects(services.policies.create(onlyFirst, { namespace: 'pgouser2', name: 'p', sql: 'select 1' }), rejectsWith('Forbidden'));
    assert.throws(() => services.workflows.tasks(onlyFirst, 'pgouser2'), rejectsWith('Forbidden'));
    assert.equal(writer.requests, before);
  });

  test('a namespace the server does not manage is Invalid, naming namespace', async () => {
    await assert.rejects(services.clusters.create(onlyFirst, { namespace: 'kube-system', name: 'x' }), (e: unknown) => e instanceof DomainError && e.kind === 'Invalid' && e.field === 'namespace');
  });
});
