/** pgBouncer tasks: add, delete, reconfigure, credentials (reference §5.12, §7.12). */
import { LABELS, POD_ROLES, SPEC_STATUS } from '../../src/domain/constants.js';
import { PGCLUSTER, PGTASK } from '../../src/domain/custom-resources.js';
import type { Pgcluster, Pgtask } from '../../src/domain/custom-resources.js';
import { names } from '../../src/domain/naming.js';
import { podReady } from '../../src/domain/pods.js';
import type { PgoSettings } from '../../src/domain/settings.js';
import { DEPLOYMENTS, JOBS, PODS, SECRETS } from '../../src/kube/resources.js';
import type { KubeObject } from '../../src/kube/resources.js';
import { ensure, tolerateMissing, withOwner } from '../kube-helpers.js';
import type { ReconcileResult } from '../runtime.js';
import { primaryPsqlJob } from '../templates.js';
import { jobState, suffixOf, TaskKit } from './task-kit.js';
/** The SQL 4.2.4 ran for pgBouncer in each database (reference §7.12), as one psql script per database. */
const PGBOUNCER_AUTH_SQL = `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pgbouncer') THEN CREATE ROLE pgbouncer; END IF; END $$;
ALTER ROLE pgbouncer LOGIN;
CREATE SCHEMA IF NOT EXISTS pgbouncer AUTHORIZATION pgbouncer;
CREATE OR REPLACE FUNCTION pgbouncer.get_auth(p_username TEXT) RETURNS TABLE(username TEXT, password TEXT) AS $$
BEGIN RETURN QUERY SELECT rolname::TEXT, rolpassword::TEXT FROM pg_authid WHERE NOT rolsuper AND rolname = p_username; END; $$ LANGUAGE plpgsql SECURITY DEFINER;
REVOKE ALL ON FUNCTION pgbouncer.get_auth(p_username TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION pgbouncer.get_auth(p_username TEXT) TO pgbouncer;`;

function pgbouncerAuthJob(cluster: Pgcluster, name: string, settings: PgoSettings): KubeObject {
  return primaryPsqlJob(cluster, settings, {
    name,
    labels: { [LABELS.pgbouncer]: 'true' },
    env: { AUTH_SQL: PGBOUNCER_AUTH_SQL },
    secretEnv: [{ name: 'PGBOUNCER_PASSWORD', secret: `${cluster.metadata.name}-pgbouncer-secret`, key: 'password' }],
    script: 'for db in $(psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datname NOT IN (\'template0\')"); do printf "%s" "$AUTH_SQL" | psql -v ON_ERROR_STOP=1 -d "$db" -f -; done; psql -d postgres -v ON_ERROR_STOP=1 -c "ALTER ROLE pgbouncer PASSWORD \'$PGBOUNCER_PASSWORD\'"',
  });
}


export class PgbouncerTasks extends TaskKit {
  /** add-/delete-pgbouncer: the cluster's label says what should exist; the cluster controller builds it. */
  async pgbouncerLabel(task: Pgtask, enabled: boolean): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const clusterName = task.spec.parameters?.['pgbouncer-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    const patch: Record<string, unknown> = { metadata: { labels: { [LABELS.pgbouncer]: String(enabled) } } };
    if (enabled) {
      const p = task.spec.parameters ?? {};
      const userlabels: Record<string, string> = {};
      if (p['pgbouncer-user']) userlabels['pgbouncer-user'] = p['pgbouncer-user'];
      if (p['pgbouncer-password']) userlabels['pgbouncer-password'] = p['pgbouncer-password'];
      if (Object.keys(userlabels).length > 0) patch.spec = { userlabels };
    }
    await tolerateMissing(this.ctx.writer.mergePatch(PGCLUSTER, ns, clusterName, patch));
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  /**
   * reconfigure-pgbouncer (reference §5.12): the Deployment and Secret are removed (the Service
   * stays) and the cluster controller builds them again from the cluster's current settings.
   */
  async reconfigurePgbouncer(task: Pgtask): Promise<void> {
    const ns = task.metadata.namespace ?? '';
    const clusterName = task.spec.parameters?.['pgbouncer-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    await this.ctx.writer.deleteIfExists(DEPLOYMENTS, ns, names.pgbouncer(clusterName));
    await this.ctx.writer.deleteIfExists(SECRETS, ns, `${clusterName}-pgbouncer-secret`);
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }

  /**
   * update-pgbouncer-auths (reference §7.12 step 2): once the primary is ready, a Job runs the SQL
   * that gives pgBouncer its role, schema and `pgbouncer.get_auth` function in every database and
   * sets its password; the task goes when the Job succeeded.
   */
  async pgbouncerAuths(task: Pgtask): Promise<ReconcileResult | void> {
    const ns = task.metadata.namespace ?? '';
    const clusterName = task.spec.parameters?.['pg-cluster'] ?? task.metadata.labels?.[LABELS.pgCluster] ?? '';
    const cluster = this.ctx.cache.get(PGCLUSTER, ns, clusterName);
    if (!cluster) return;
    const jobName = `${clusterName}-pgbouncer-auth-${suffixOf(task)}`;
    const run = this.ctx.cache.get(JOBS, ns, jobName);
    if (!run) {
      const primaryReady = this.ctx.cache.byCluster(PODS, ns, clusterName).some((p) => p.metadata.labels?.[LABELS.role] === POD_ROLES.primary && podReady(p));
      if (!primaryReady) return;
      await ensure(this.ctx, JOBS, withOwner(pgbouncerAuthJob(cluster, jobName, this.settings), task));
      return;
    }
    const state = jobState(run);
    if (!state?.done) return;
    if (state.failed) {
      if (task.spec.status !== SPEC_STATUS.jobError) await this.fail(task, `job ${jobName} failed: ${state.reason}`, { clusterReason: 'UpdatePgbouncerAuthsFailed' });
      return;
    }
    await this.completed(task, `job ${jobName} completed`);
    await this.ctx.writer.deleteIfExists(PGTASK, ns, task.metadata.name);
  }
}
