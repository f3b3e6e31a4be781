import type { RestRoute } from './route.js';

export const scheduleRoutes: RestRoute[] = [];
