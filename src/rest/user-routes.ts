import type { RestRoute } from './route.js';

export const userRoutes: RestRoute[] = [];
