/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, anything else replaces. */
import type { JsonObject, JsonValue } from '../../json.js';
import { isJsonObject } from '../../json.js';

export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return structuredClone(patch);
  const result: JsonObject = isJsonObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}
