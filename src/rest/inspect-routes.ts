import type { RestRoute } from './route.js';

export const inspectRoutes: RestRoute[] = [];
