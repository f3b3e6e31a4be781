/** The process logger: JSON lines on stdout (pino), one per event, for people and log pipelines. */
import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { name: 'pgo-graphql-server' } });
}
