import type { RestRoute } from './route.js';

export const pgouserRoutes: RestRoute[] = [];
