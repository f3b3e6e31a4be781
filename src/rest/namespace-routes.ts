import type { RestRoute } from './route.js';

export const namespaceRoutes: RestRoute[] = [];
