/** What every resolver receives: the authenticated caller, the services and this request's loaders. */
import type { Caller } from '../domain/context.js';
import type { EventHub } from '../kube/event-hub.js';
import type { ChangeLog } from './change-log.js';
import { createLoaders } from './loaders.js';
import type { Loaders } from './loaders.js';
import { ResultBudget } from './result-budget.js';
import type { Services } from '../domain/services.js';

export interface GraphQLContext {
  caller: Caller;
  services: Services;
  loaders: Loaders;
  hub: EventHub;
  changes: ChangeLog;
  /** List items this request may still produce. */
  budget: ResultBudget;
}

/** What lives as long as the process, shared by every request. */
export interface SharedContext {
  services: Services;
  hub: EventHub;
  changes: ChangeLog;
}

export function createContext(caller: Caller, shared: SharedContext): GraphQLContext {
  return { caller, ...shared, loaders: createLoaders(shared.services.ctx.cache), budget: new ResultBudget() };
}
