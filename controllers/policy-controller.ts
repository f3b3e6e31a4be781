/** Pgpolicy: stored as sent; the controller marks it Processed and records an Event (reference §4.4). */
import { POLICY_STATES } from '../src/domain/constants.js';
import { PGPOLICY } from '../src/domain/custom-resources.js';
import { recordEvent, tolerateMissing } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, splitKey } from './runtime.js';
import type { Controller } from './runtime.js';

export const POLICY_PROCESSED_MESSAGE = 'Successfully processed Pgpolicy by controller';

export class PolicyController implements Controller {
  readonly name = 'pgpolicy';
  readonly kind = 'Pgpolicy';
  readonly watches = [];

  constructor(private readonly ctx: ControllerContext) {}

  allKeys(): string[] {
    return this.ctx.cache.list(PGPOLICY).map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const policy = this.ctx.cache.get(PGPOLICY, namespace, name);
    if (!policy || policy.status?.state === POLICY_STATES.processed) return;
    const updated = await tolerateMissing(this.ctx.writer.patchStatus(PGPOLICY, namespace, name, { state: POLICY_STATES.processed, message: POLICY_PROCESSED_MESSAGE }));
    if (updated) await recordEvent(this.ctx, updated, 'Normal', 'CreatePolicy', `policy ${name} stored`);
  }
}
