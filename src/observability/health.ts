/**
 * Liveness and readiness as the operational contract defines them: /healthz answers while the process
 * lives, /readyz once every watch cache has synced.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface ReadinessSource {
  isSynced(): boolean;
}

/** Answers /healthz and /readyz; returns false for any other path so the caller routes it on. */
export function handleHealth(req: IncomingMessage, res: ServerResponse, readiness: ReadinessSource): boolean {
  const path = (req.url ?? '/').split('?')[0];
  if (path !== '/healthz' && path !== '/readyz') return false;
  const ok = path === '/healthz' || readiness.isSynced();
  res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(ok ? 'ok' : 'watch caches not synced');
  return true;
}
