/**
 * Pgpolicy: stored as sent; the controller marks it Processed and records CreatePolicy, and
 * DeletePolicy when it is gone (reference §4.4). The policies this process has seen are kept so a
 * deletion can be told from a key that never existed; one deleted while no controller ran has no
 * Event, as 4.2.4's informer had none either.
 */
import { LABELS, POLICY_STATES } from '../src/domain/constants.js';
import { PGPOLICY } from '../src/domain/custom-resources.js';
import type { Pgpolicy } from '../src/domain/custom-resources.js';
import { recordEvent, tolerateMissing } from './kube-helpers.js';
import type { ControllerContext } from './kube-helpers.js';
import { keyOf, splitKey } from './runtime.js';
import type { Controller } from './runtime.js';

export const POLICY_PROCESSED_MESSAGE = 'Successfully processed Pgpolicy by controller';

export class PolicyController implements Controller {
  readonly name = 'pgpolicy';
  readonly kind = 'Pgpolicy';
  readonly watches = [];
  private readonly seen = new Map<string, Pgpolicy>();

  constructor(private readonly ctx: ControllerContext) {}

  allKeys(): string[] {
    return this.ctx.cache.list(PGPOLICY).map(keyOf);
  }

  async reconcile(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const policy = this.ctx.cache.get(PGPOLICY, namespace, name);
    if (!policy) return this.deleted(key);
    this.seen.set(key, policy);
    if (policy.status?.state === POLICY_STATES.processed) return;
    const updated = await tolerateMissing(this.ctx.writer.patchStatus(PGPOLICY, namespace, name, { state: POLICY_STATES.processed, message: POLICY_PROCESSED_MESSAGE }));
    if (updated) await recordEvent(this.ctx, updated, 'Normal', 'CreatePolicy', `policy ${name} stored`);
  }

  private async deleted(key: string): Promise<void> {
    const last = this.seen.get(key);
    if (!last) return;
    this.seen.delete(key);
    await recordEvent(this.ctx, last, 'Normal', 'DeletePolicy', `policy ${last.metadata.name} deleted by ${last.metadata.labels?.[LABELS.pgouser] ?? 'unknown'}`);
  }
}
