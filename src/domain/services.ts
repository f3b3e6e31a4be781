/** The domain services, built once per process over one service context. */
import { BackupService } from './backup-service.js';
import { ClusterService } from './cluster-service.js';
import type { ServiceContext } from './context.js';
import { FailoverService } from './failover-service.js';
import { LoadService } from './load-service.js';
import { PolicyService } from './policy-service.js';
import { UserService } from './user-service.js';
import { WorkflowService } from './workflow-service.js';
import { PgoUserService } from '../auth/pgouser-service.js';
import { NamespaceService } from './namespace-service.js';
import { InspectService } from './inspect-service.js';
import { ScheduleService } from './schedule-service.js';
import { BenchmarkService } from './benchmark-service.js';

export interface Services {
  ctx: ServiceContext;
  clusters: ClusterService;
  backups: BackupService;
  policies: PolicyService;
  failover: FailoverService;
  workflows: WorkflowService;
  pgousers: PgoUserService;
  namespaces: NamespaceService;
  users: UserService;
  loads: LoadService;
  inspect: InspectService;
  schedules: ScheduleService;
  benchmarks: BenchmarkService;
}

export function createServices(ctx: ServiceContext): Services {
  const clusters = new ClusterService(ctx);
  return { ctx, clusters, backups: new BackupService(ctx), policies: new PolicyService(ctx, clusters), failover: new FailoverService(ctx), workflows: new WorkflowService(ctx), pgousers: new PgoUserService(ctx), namespaces: new NamespaceService(ctx), users: new UserService(ctx, clusters), loads: new LoadService(ctx, clusters, new PolicyService(ctx, clusters)), inspect: new InspectService(ctx, clusters), schedules: new ScheduleService(ctx, clusters), benchmarks: new BenchmarkService(ctx) };
}
