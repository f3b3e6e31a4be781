/** How the server reads a Job's outcome: a failed pod with retries left is not a failed Job. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jobOutcome } from '../../src/domain/job-outcome.js';
import type { KubeObject } from '../../src/kube/resources.js';

function job(status: Record<string, unknown>, backoffLimit?: number): KubeObject {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'pgouser1' }, spec: backoffLimit === undefined ? {} : { backoffLimit }, status };
}

test('a Job with no status yet is running', () => {
  assert.deepEqual(jobOutcome(job({})), { state: 'running' });
});

test('a failed pod with retries left leaves the Job running', () => {
  assert.deepEqual(jobOutcome(job({ failed: 1, active: 1 })), { state: 'running' });
  assert.deepEqual(jobOutcome(job({ failed: 2 }, 3)), { state: 'running' });
});

test('the Failed condition fails the Job with its message as the reason', () => {
  const conditions = [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' }];
  assert.deepEqual(jobOutcome(job({ failed: 7, conditions })), { state: 'failed', reason: 'Job has reached the specified backoff limit' });
});

test('without conditions, more failed pods than the backoff limit fail the Job', () => {
  assert.equal(jobOutcome(job({ failed: 1 }, 0)).state, 'failed');
  assert.equal(jobOutcome(job({ failed: 7 })).state, 'failed');
});

test('a success, or the Complete condition, is success', () => {
  assert.deepEqual(jobOutcome(job({ succeeded: 1, failed: 2 })), { state: 'succeeded' });
  assert.deepEqual(jobOutcome(job({ conditions: [{ type: 'Complete', status: 'True' }] })), { state: 'succeeded' });
});

test('a condition that is not True does not count', () => {
  assert.deepEqual(jobOutcome(job({ conditions: [{ type: 'Failed', status: 'False' }] })), { state: 'running' });
});
