/**
 * Reproducible random input for fuzz tests: a seeded generator (FUZZ_SEED picks the seed; the
 * test prints the one it used), hostile values and bodies, and a raw HTTPS request that sends
 * any bytes and reports whatever came back.
 */
import { Agent, request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { TestApp } from './app.js';

/** The seed from FUZZ_SEED, or a fresh one. */
export function fuzzSeed(): number {
  const given = process.env.FUZZ_SEED;
  return given !== undefined && given !== '' ? Number(given) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
}

/** mulberry32: small, fast and good enough to pick test cases. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
}

/** Strings that have broken parsers before: empty, separators, traversal, NUL, unicode, markup. */
const NASTY_STRINGS = [
  '', ' ', 'all', '*', ',', ',,', '=', 'a=b', '!x', 'x in (a', '..', '../..', '/', '%00', '\u0000', '\n', '\r\n', '\t',
  'pgouser1', 'pgouser2', 'pgo', 'default', '4.2.4', '4.1.0', 'true', 'false', 'null', '0', '-1', '1e309', 'NaN',
  'ü', 'ß', '名前', '🐘', '\u202e', '\ud800', '\udfff', '<script>', '&amp;', '${x}', "'; drop table x; --", 'select 1',
  'a'.repeat(64), 'b'.repeat(254), 'UPPER', 'with space', 'trailing-', '-leading', 'x.y.z',
];

export function randomString(r: Random): string {
  switch (r.int(6)) {
    case 0:
      return r.pick(NASTY_STRINGS);
    case 1: {
      const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789-';
      return Array.from({ length: 1 + r.int(20) }, () => alphabet[r.int(alphabet.length)]).join('');
    }
    case 2:
      return Array.from({ length: 1 + r.int(30) }, () => String.fromCharCode(r.int(0x10000))).join('');
    case 3:
      return 'x'.repeat(1000 + r.int(100_000));
    case 4:
      return `${r.pick(NASTY_STRINGS)}${r.pick(NASTY_STRINGS)}`;
    default:
      return Array.from({ length: 1 + r.int(5) }, () => r.pick(NASTY_STRINGS)).join(',');
  }
}

/** Nesting a recursive walker still survives (JSON.stringify itself fails near 5,000). */
export function deepValue(r: Random): unknown {
  const depth = r.pick([10, 100, 1000]);
  let value: unknown = r.pick([1, 'x', null, true]);
  for (let i = 0; i < depth; i++) value = r.chance(0.5) ? [value] : { a: value };
  return value;
}

/** Any JSON value: mostly scalars, sometimes a container of them. */
export function randomValue(r: Random, depth = 0): unknown {
  switch (r.int(depth > 2 ? 7 : 10)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick([0, -1, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1.5, 1e308, -0]);
    case 3:
    case 4:
    case 5:
    case 6:
      return randomString(r);
    case 7:
      return Array.from({ length: r.int(5) }, () => randomValue(r, depth + 1));
    case 8:
      return Object.fromEntries(Array.from({ length: r.int(5) }, () => [randomString(r).slice(0, 20), randomValue(r, depth + 1)]));
    default:
      return r.chance(0.1) ? deepValue(r) : [randomString(r)];
  }
}

/** Nesting far deeper than any recursive walker survives, as text (JSON.parse itself copes). */
export function deepText(r: Random, inner = '1'): string {
  const depth = r.pick([10_000, 100_000, 300_000]);
  return r.chance(0.5) ? `${'['.repeat(depth)}${inner}${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}${inner}${'}'.repeat(depth)}`;
}

/** Invalid UTF-8: lone continuation bytes, overlong forms, surrogates, truncated sequences. */
const BAD_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xfe, 0xff]];

export function invalidUtf8(r: Random, around: string): Buffer {
  const at = r.int(around.length + 1);
  return Buffer.concat([Buffer.from(around.slice(0, at)), Buffer.from(r.pick(BAD_UTF8)), Buffer.from(around.slice(at))]);
}

/** A body built from a valid one: each strategy a different way to be wrong. */
export function mutateBody(r: Random, valid: Record<string, unknown>, keys: readonly string[]): Buffer {
  const text = JSON.stringify(valid);
  switch (r.int(12)) {
    case 0:
      return Buffer.from(text.slice(0, r.int(text.length)));
    case 1:
      return invalidUtf8(r, text);
    case 2:
      return Buffer.from(JSON.stringify(randomValue(r)));
    case 3:
      return Buffer.from(r.pick(['', ' ', 'null', '[]', '{}', '"x"', '0', 'true', '{"a":}', '{,}', '{"ClientVersion":"4.2.4",}', '\u0000', '{"a":1}{"b":2}', '\ufeff{}']));
    case 4:
      return Buffer.from(r.chance(0.5) ? deepText(r) : `{${JSON.stringify(r.pick(keys))}:${deepText(r)}}`);
    case 5:
      return Buffer.from(Array.from({ length: r.int(200) }, () => String.fromCharCode(r.int(256))).join(''), 'latin1');
    default: {
      // The valid body with keys set to values of any type, under their own name or another case.
      const body: Record<string, unknown> = { ...valid };
      for (let i = 1 + r.int(4); i > 0; i--) {
        const key = r.pick(keys);
        const cased = r.chance(0.2) ? key.toLowerCase() : r.chance(0.1) ? key.toUpperCase() : key;
        body[cased] = randomValue(r);
      }
      if (r.chance(0.1)) body[randomString(r).slice(0, 30)] = randomValue(r);
      return Buffer.from(JSON.stringify(body));
    }
  }
}

/** Percent-encodes the UTF-8 bytes (a lone surrogate becomes U+FFFD, as any client would send it). */
function escape(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9\-_.~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A path segment that is hostile to routers: traversal, NUL, bad escapes, long or unicode. */
export function hostileSegment(r: Random): string {
  switch (r.int(8)) {
    case 0:
      return r.pick(['..', '.', '%2e%2e', '%2E%2E%2F', '..%2f..%2fetc', '%00', 'a%00b', '%', '%zz', '%c0%af', '%ff', '%E2%82']);
    case 1:
      return 'n'.repeat(1 + r.int(4000));
    case 2:
      return escape(randomString(r).slice(0, 200));
    case 3:
      return escape(r.pick(NASTY_STRINGS));
    default:
      return escape(randomString(r).slice(0, 60)) || 'x';
  }
}

/** Query strings: the usual keys with hostile values, repeated keys, junk keys and broken escapes. */
export function hostileQuery(r: Random, keys: readonly string[]): string {
  const parts: string[] = [];
  for (let i = r.int(6); i > 0; i--) {
    const key = r.chance(0.8) ? r.pick(keys) : hostileSegment(r);
    parts.push(r.chance(0.1) ? key : `${key}=${r.chance(0.3) ? hostileSegment(r) : escape(randomString(r).slice(0, 300))}`);
  }
  if (r.chance(0.05)) parts.push('%', '&&', '=x', 'a=%zz');
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Sends exactly these bytes, over kept-alive connections, and collects the whole answer. */
export function rawClient(t: TestApp): { send(method: string, path: string, body: Buffer, headers?: Record<string, string>): Promise<RawResponse>; close(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: t.ca });
  const base = new URL(t.app.url);
  return {
    send(method, path, body, headers = {}) {
      return new Promise((resolve, reject) => {
        // The path goes out as given: resolving it against the base URL would normalise `..` and `//`.
        const req = request({ hostname: base.hostname, port: base.port, path, method, agent, headers: { 'Content-Length': String(body.length), ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path.slice(0, 200)}: no answer within 30 s`)));
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

/** Runs `count` jobs, at most `width` at a time, in index order. */
async function pool(count: number, width: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await job(next++);
  }));
}

export interface FuzzRequest {
  method: string;
  path: string;
  body: Buffer;
  headers: Record<string, string>;
}

export interface FuzzOutcome {
  /** One line per request whose answer `problemWith` faulted (or that got no answer). */
  failures: string[];
  /** How many answers had each HTTP status, in status order. */
  statuses: Record<number, number>;
}

/** Sends every request, `inFlight` at a time, and judges each answer. */
export async function sendAll(t: TestApp, requests: readonly FuzzRequest[], inFlight: number, problemWith: (res: RawResponse) => string | undefined): Promise<FuzzOutcome> {
  const client = rawClient(t);
  const failures: string[] = [];
  const statuses = new Map<number, number>();
  try {
    await pool(requests.length, inFlight, async (i) => {
      const c = requests[i];
      let problem: string | undefined;
      let res: RawResponse | undefined;
      try {
        res = await client.send(c.method, c.path, c.body, c.headers);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        problem = problemWith(res);
      } catch (error) {
        problem = `no answer: ${(error as Error).message}`;
      }
      if (problem) failures.push(`case ${i}: ${c.method} ${c.path.slice(0, 2000)} ${JSON.stringify(c.headers['Content-Type'])} body ${JSON.stringify(c.body.toString('utf8').slice(0, 600))}: ${problem}; got ${res?.status} ${res?.body.toString('utf8').slice(0, 300)}`);
    });
  } finally {
    client.close();
  }
  return { failures, statuses: Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])) };
}
