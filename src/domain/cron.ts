import { Cron } from 'croner';

/**
 * The cron expressions pgo-scheduler 4.2.4 accepted (robfig/cron v3, standard five-field parser:
 * minute, hour, day of month, month, day of week; names for months and weekdays; `*` or `?`,
 * ranges, lists and steps; an optional `CRON_TZ=`/`TZ=` prefix; no `@descriptors`). The scheduler
 * skipped a ConfigMap whose expression it could not parse, so the API refuses one up front; the
 * reasons are the library's words.
 */

interface Field {
  min: number;
  max: number;
  names?: Readonly<Record<string, number>>;
}

const MONTHS = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };
const WEEKDAYS = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

const FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: WEEKDAYS },
];

class CronError extends Error {}

/** strconv.Atoi and the library's refusal of negatives. */
function parseNumber(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new CronError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new CronError(`failed to parse int from ${text}: strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  if (value < 0) throw new CronError(`negative number (${value}) not allowed: ${text}`);
  return value;
}

function parseNumberOrName(text: string, field: Field): number {
  const named = field.names?.[text.toLowerCase()];
  return named ?? parseNumber(text);
}

function checkRange(expr: string, field: Field): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = field.min;
    end = field.max;
  } else {
    start = parseNumberOrName(lowAndHigh[0], field);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseNumberOrName(lowAndHigh[1], field);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseNumber(rangeAndStep[1]);
    // `N/step` means from N to the field's maximum.
    if (lowAndHigh.length === 1) end = field.max;
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < field.min) throw new CronError(`beginning of range (${start}) below minimum (${field.min}): ${expr}`);
  if (end > field.max) throw new CronError(`end of range (${end}) above maximum (${field.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The `TZ=`/`CRON_TZ=` zone robfig/cron accepted before the fields, and the fields' text. */
function splitZone(spec: string): { zone: string | undefined; rest: string } {
  if (!spec.startsWith('TZ=') && !spec.startsWith('CRON_TZ=')) return { zone: undefined, rest: spec };
  const space = spec.indexOf(' ');
  const zone = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
  return { zone, rest: space < 0 ? '' : spec.slice(space).trim() };
}

function check(spec: string): void {
  if (spec.length === 0) throw new CronError('empty spec string');
  const { zone, rest } = splitZone(spec);
  if (zone !== undefined && (!spec.includes(' ') || !isTimeZone(zone))) throw new CronError(`provided bad location ${zone}: unknown time zone ${zone}`);
  if (rest.startsWith('@')) throw new CronError(`parser does not accept descriptors: ${rest}`);
  const fields = rest.split(/\s+/).filter(Boolean);
  if (fields.length !== FIELDS.length) throw new CronError(`expected exactly ${FIELDS.length} fields, found ${fields.length}: [${fields.join(' ')}]`);
  fields.forEach((text, i) => {
    for (const part of text.split(',')) checkRange(part, FIELDS[i]);
  });
}

/** Why pgo-scheduler would refuse this expression, or undefined when it runs it. */
export function cronProblem(spec: string): string | undefined {
  try {
    check(spec);
    return undefined;
  } catch (error) {
    if (error instanceof CronError) return error.message;
    throw error;
  }
}

/** robfig's readings that croner spells differently: `?` is `*`, and `N/step` runs from N to the field's maximum. */
function toCroner(text: string, field: Field): string {
  return text
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/');
      if (range === '?') return step === undefined ? '*' : `*/${step}`;
      if (step !== undefined && !range.includes('-') && range !== '*') return `${range}-${field.max}/${step}`;
      return part;
    })
    .join(',');
}

/**
 * When pgo-scheduler would next run this expression after `after` (in its zone, UTC when it names
 * none, as the scheduler's pod ran), or undefined when it never would.
 */
export function nextRun(spec: string, after: Date): Date | undefined {
  const problem = cronProblem(spec);
  if (problem !== undefined) throw new Error(`cron expression ${JSON.stringify(spec)}: ${problem}`);
  const { zone, rest } = splitZone(spec);
  const pattern = rest.split(/\s+/).filter(Boolean).map((text, i) => toCroner(text, FIELDS[i])).join(' ');
  return new Cron(pattern, { paused: true, timezone: zone ?? 'UTC' }).nextRun(after) ?? undefined;
}
