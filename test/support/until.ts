/** Polls until a probe answers a value: the tests' one way to wait for the controllers or the cache. */
import assert from 'node:assert/strict';

/** Generous: a loaded CI machine is several times slower than a developer's. */
export const WAIT_DEADLINE_MS = 30_000;
const POLL_MS = 25;

export async function until<T>(probe: () => T | undefined | Promise<T | undefined>, what: string, deadlineMs = WAIT_DEADLINE_MS): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Polls until a check holds. */
export function untilTrue(check: () => Promise<boolean>, what: string, deadlineMs = WAIT_DEADLINE_MS): Promise<true> {
  return until(async () => ((await check()) ? true : undefined), what, deadlineMs);
}
