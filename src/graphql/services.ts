/** The domain services, built once per process over one service context. */
import { BackupService } from '../domain/backup-service.js';
import { ClusterService } from '../domain/cluster-service.js';
import type { ServiceContext } from '../domain/context.js';
import { FailoverService } from '../domain/failover-service.js';
import { PolicyService } from '../domain/policy-service.js';
import { WorkflowService } from '../domain/workflow-service.js';

export interface Services {
  ctx: ServiceContext;
  clusters: ClusterService;
  backups: BackupService;
  policies: PolicyService;
  failover: FailoverService;
  workflows: WorkflowService;
}

export function createServices(ctx: ServiceContext): Services {
  const clusters = new ClusterService(ctx);
  return { ctx, clusters, backups: new BackupService(ctx), policies: new PolicyService(ctx, clusters), failover: new FailoverService(ctx), workflows: new WorkflowService(ctx) };
}
