/**
 * The namespace operations of pgo 4.2.4 (ns/nslogic.go) over this server's model, where the
 * namespaces served are fixed at start by PGO_NAMESPACES rather than found by their labels:
 *
 * - show answers, for each namespace asked about (or every managed one), whether it is part of
 *   the installation and whether the caller may use it;
 * - create creates a managed namespace that does not exist in Kubernetes (e.g. after a delete),
 *   labelled as 4.2.4 labelled it; the informers already watch it, so it is served at once;
 * - update labels an existing managed namespace as owned, as 4.2.4 did;
 * - delete deletes a managed namespace and everything in it, as 4.2.4 did, but only a managed one
 *   (4.2.4 computed that check and ignored it) and never the operator namespace.
 *
 * A namespace outside PGO_NAMESPACES cannot be brought into (or taken out of) service without a
 * restart, because the watch cache's informers are set up at start; those requests are refused
 * with a message saying so. 4.2.4 also installed per-namespace RBAC (service accounts, roles); the
 * embedded API server has no RBAC, and on a real cluster that is the installer's job here.
 */
import { NAMESPACES } from '../kube/resources.js';
import type { KubeObject } from '../kube/resources.js';
import { KubeApiError } from '../kube/writer.js';
import { VENDOR } from './constants.js';
import type { Caller, ServiceContext } from './context.js';
import { fromKubeError } from './context.js';
import { alreadyExists, forbidden, invalid, notFound, unavailable } from './errors.js';
import { dns1035LabelProblem } from './naming.js';

const NAMESPACE_LABELS = { vendor: 'vendor', createdBy: 'pgo-created-by' } as const;

export interface NamespaceAccess {
  namespace: string;
  /** The namespace is one this server manages. */
  installationAccess: boolean;
  /** The caller may act in it. */
  userAccess: boolean;
}

export class NamespaceService {
  constructor(private readonly ctx: ServiceContext) {}

  /** The namespaces named, or every managed one when `all`. */
  show(caller: Caller, names: readonly string[], all: boolean): NamespaceAccess[] {
    if (!all && names.length === 0) throw invalid('names', 'namespace names or --all flag is required for this command');
    return (all ? this.ctx.namespaces : names).map((namespace) => {
      const installationAccess = this.ctx.namespaces.includes(namespace);
      return { namespace, installationAccess, userAccess: installationAccess && caller.canAccess(namespace) };
    });
  }

  async create(caller: Caller, name: string): Promise<void> {
    const problem = dns1035LabelProblem(name);
    if (problem) throw invalid('name', `invalid namespace name format ${problem} namespace name ${name}`);
    this.assertManaged(name);
    const namespace: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { [NAMESPACE_LABELS.vendor]: VENDOR, [NAMESPACE_LABELS.createdBy]: caller.username } } };
    try {
      await this.ctx.writer.create(NAMESPACES, namespace);
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 409) throw alreadyExists(`namespace ${name} already exists on this Kube cluster`);
      throw error instanceof KubeApiError ? fromKubeError(error, `namespace ${name}`) : error;
    }
  }

  async update(name: string): Promise<void> {
    this.assertManaged(name);
    try {
      await this.ctx.writer.mergePatch(NAMESPACES, '', name, { metadata: { labels: { [NAMESPACE_LABELS.vendor]: VENDOR } } });
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) throw notFound(`namespace ${name} doesn't exist`);
      throw error instanceof KubeApiError ? fromKubeError(error, `namespace ${name}`) : error;
    }
  }

  async delete(name: string): Promise<void> {
    if (name === this.ctx.operatorNamespace) throw forbidden(`namespace ${name} is the operator namespace, where pgo users and roles live; it cannot be deleted through pgo`);
    if (!this.ctx.namespaces.includes(name)) throw forbidden(`namespace ${name} not owned by crunchy data or not part of Operator installation (PGO_NAMESPACES: ${this.ctx.namespaces.join(',')})`);
    try {
      await this.ctx.writer.delete(NAMESPACES, '', name);
    } catch (error) {
      if (error instanceof KubeApiError && error.code === 404) throw notFound(`namespace ${name} not found`);
      throw error instanceof KubeApiError ? fromKubeError(error, `namespace ${name}`) : error;
    }
  }

  private assertManaged(name: string): void {
    if (this.ctx.namespaces.includes(name)) return;
    throw unavailable(
      `namespace ${name} is not one this server serves: its namespaces are fixed at start by PGO_NAMESPACES (${this.ctx.namespaces.join(',')}); add ${name} there and restart the server to serve it`,
    );
  }
}
