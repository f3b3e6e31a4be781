/**
 * JSON as Go's encoding/json wrote and read it in pgo 4.2.4, so curl scripts and the pgo CLI see
 * the same bytes: the encoder escapes <, > and & and ends with a newline; the decoder matches
 * struct keys case-insensitively and refuses a value of the wrong type for a field.
 */
import { isJsonObject } from '../json.js';
import type { JsonObject, JsonValue } from '../json.js';

/** json.NewEncoder(w).Encode(v): HTML-safe escapes and a trailing newline. */
export function encodeGo(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v === undefined ? null : v));
  return `${text.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** The body was not JSON, or a field held a value of the wrong type. */
export class RequestBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RequestBodyError';
  }
}

function describe(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

/** A decoded request body, read as a Go struct reads it. */
export class GoRequest {
  private constructor(private readonly fields: JsonObject) {}

  /** An empty body decodes to the zero request, as json.Decoder's ignored io.EOF left it. */
  static parse(text: string): GoRequest {
    if (text.trim() === '') return new GoRequest({});
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new RequestBodyError(`request body is not valid JSON: ${(error as Error).message}`);
    }
    if (value === null) return new GoRequest({});
    if (!isJsonObject(value)) throw new RequestBodyError(`request body must be a JSON object, not ${describe(value as JsonValue)}`);
    return new GoRequest(value);
  }

  static empty(): GoRequest {
    return new GoRequest({});
  }

  /** Exact key first, then the first case-insensitive match, as encoding/json does. */
  private raw(key: string): JsonValue | undefined {
    if (Object.prototype.hasOwnProperty.call(this.fields, key)) return this.fields[key];
    const lower = key.toLowerCase();
    const found = Object.keys(this.fields).find((k) => k.toLowerCase() === lower);
    return found === undefined ? undefined : this.fields[found];
  }

  private typed<T>(key: string, type: string, accept: (v: JsonValue) => v is JsonValue & T): T | undefined {
    const value = this.raw(key);
    if (value === undefined || value === null) return undefined;
    if (!accept(value)) throw new RequestBodyError(`field ${key} must be ${type}, not ${describe(value)}`);
    return value;
  }

  string(key: string): string {
    return this.typed(key, 'a string', (v): v is string => typeof v === 'string') ?? '';
  }

  bool(key: string): boolean {
    return this.optionalBool(key) ?? false;
  }

  /** A `*bool` field: absent or null is undefined. */
  optionalBool(key: string): boolean | undefined {
    return this.typed(key, 'a boolean', (v): v is boolean => typeof v === 'boolean');
  }

  int(key: string): number {
    return this.typed(key, 'an integer', (v): v is number => typeof v === 'number' && Number.isSafeInteger(v)) ?? 0;
  }

  strings(key: string): string[] {
    const list = this.typed(key, 'an array of strings', (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string'));
    return list ?? [];
  }

  /** A nested struct field, decoded the same way. */
  object(key: string): GoRequest {
    return new GoRequest(this.typed(key, 'an object', (v): v is JsonObject => isJsonObject(v)) ?? {});
  }
}
