import type { RestRoute } from './route.js';

export const policyRoutes: RestRoute[] = [];
