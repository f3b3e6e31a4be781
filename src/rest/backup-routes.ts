import type { RestRoute } from './route.js';

export const backupRoutes: RestRoute[] = [];
