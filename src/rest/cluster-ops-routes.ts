import type { RestRoute } from './route.js';

export const clusterOpsRoutes: RestRoute[] = [];
