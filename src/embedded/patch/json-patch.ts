/**
 * RFC 6902 JSON patch through fast-json-patch, with the apiserver's split of errors: a body that is
 * not a list of well-formed operations is 400, an operation that cannot apply is 422, and nothing is
 * written unless every operation applies.
 */
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { JsonObject, JsonValue } from '../../json.js';
import { isJsonObject } from '../../json.js';
import { badRequest, invalid, tooLarge } from '../api-error.js';

export const MAX_JSON_PATCH_OPERATIONS = 10_000;
const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

export interface PatchTarget {
  kind: string;
  group: string;
  name: string;
}

function checkOperation(op: JsonValue, index: number): Operation {
  if (!isJsonObject(op)) throw badRequest(`json patch operation ${index} is not an object`);
  if (typeof op.op !== 'string' || !OPS.has(op.op)) throw badRequest(`Unexpected kind: ${JSON.stringify(op.op ?? null)} in json patch operation ${index}`);
  if (typeof op.path !== 'string') throw badRequest(`json patch operation ${index} has no "path" string`);
  if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw badRequest(`json patch operation ${index} ("${op.op}") has no "from" string`);
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) throw badRequest(`json patch operation ${index} ("${op.op}") has no "value"`);
  return op as unknown as Operation;
}

export function applyJsonPatch(target: JsonObject, body: JsonValue, describe: PatchTarget): JsonObject {
  if (!Array.isArray(body)) throw badRequest('the JSON patch must be a list of operations');
  if (body.length > MAX_JSON_PATCH_OPERATIONS) throw tooLarge(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${body.length}`);
  const operations = body.map(checkOperation);
  try {
    // validate=true makes fast-json-patch refuse missing paths instead of silently creating them.
    const result = jsonpatch.applyPatch(structuredClone(target), operations, true, true, true).newDocument as unknown;
    if (!isJsonObject(result)) throw badRequest('the JSON patch replaced the whole object with a non-object');
    return result;
  } catch (e) {
    if (e instanceof jsonpatch.JsonPatchError) {
      const op = operations[e.index ?? 0];
      const message = e.name === 'TEST_OPERATION_FAILED' ? `the test of "${op.path}" failed` : `${e.message.split('\n')[0]} (operation ${e.index ?? 0}: ${op.op} ${op.path})`;
      throw invalid(describe.kind, describe.group, describe.name, [{ reason: 'FieldValueInvalid', field: '', message }]);
    }
    throw e;
  }
}
