/**
 * Every route of the pgo 4.2.4 apiserver (apiserver/routing/routes.go), one module per area.
 * GET /healthz is answered by the health probe before these routes, with the same 200 "ok".
 */
import { backupRoutes } from './backup-routes.js';
import { clusterOpsRoutes } from './cluster-ops-routes.js';
import { clusterRoutes } from './cluster-routes.js';
import { coreRoutes } from './core-routes.js';
import { inspectRoutes } from './inspect-routes.js';
import { namespaceRoutes } from './namespace-routes.js';
import { pgouserRoutes } from './pgouser-routes.js';
import { policyRoutes } from './policy-routes.js';
import type { RestRoute } from './route.js';
import { scheduleRoutes } from './schedule-routes.js';
import { userRoutes } from './user-routes.js';

export const REST_ROUTES: readonly RestRoute[] = [
  ...coreRoutes,
  ...clusterRoutes,
  ...clusterOpsRoutes,
  ...backupRoutes,
  ...policyRoutes,
  ...scheduleRoutes,
  ...pgouserRoutes,
  ...namespaceRoutes,
  ...userRoutes,
  ...inspectRoutes,
];
