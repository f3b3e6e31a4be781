/**
 * Kubernetes label selectors: the full string grammar of `labelSelector=` and the object form used
 * by Deployment and Job selectors, evaluated the same way by the embedded server and the watch cache.
 */
import { labelValueProblem, qualifiedNameProblem } from './label-syntax.js';

export type LabelOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Equals' | 'NotEquals' | 'GreaterThan' | 'LessThan';

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export interface LabelSelector {
  readonly empty: boolean;
  readonly requirements: readonly LabelRequirement[];
  matches(labels: Readonly<Record<string, string>> | undefined): boolean;
  toString(): string;
}

export class LabelSelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelSelectorError';
  }
}

function requirementMatches(r: LabelRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'Equals':
    case 'In':
      return has && r.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      return !has || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      if (!has || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'GreaterThan' ? n > bound : n < bound;
    }
  }
}

function render(r: LabelRequirement): string {
  switch (r.operator) {
    case 'Equals':
      return `${r.key}=${r.values[0]}`;
    case 'NotEquals':
      return `${r.key}!=${r.values[0]}`;
    case 'In':
      return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn':
      return `${r.key} notin (${r.values.join(',')})`;
    case 'Exists':
      return r.key;
    case 'DoesNotExist':
      return `!${r.key}`;
    case 'GreaterThan':
      return `${r.key}>${r.values[0]}`;
    case 'LessThan':
      return `${r.key}<${r.values[0]}`;
  }
}

function selectorOf(requirements: LabelRequirement[]): LabelSelector {
  return {
    empty: requirements.length === 0,
    requirements,
    matches: (labels) => requirements.every((r) => requirementMatches(r, labels ?? {})),
    toString: () => requirements.map(render).join(','),
  };
}

function checkKey(key: string, text: string): void {
  const problem = qualifiedNameProblem(key);
  if (problem) throw new LabelSelectorError(`unable to parse requirement: invalid label key "${key}": ${problem} (in "${text}")`);
}

function checkValue(value: string, text: string): void {
  const problem = labelValueProblem(value);
  if (problem) throw new LabelSelectorError(`unable to parse requirement: invalid label value: "${value}": ${problem} (in "${text}")`);
}

/** Splits on commas that are not inside parentheses. */
function splitRequirements(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new LabelSelectorError(`unable to parse requirement: unbalanced parenthesis in "${text}"`);
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw new LabelSelectorError(`unable to parse requirement: found '(', expected: ')' in "${text}"`);
  parts.push(current);
  return parts;
}

function parseRequirement(raw: string, text: string): LabelRequirement {
  const part = raw.trim();
  if (part === '') throw new LabelSelectorError(`unable to parse requirement: found '', expected: identifier in "${text}"`);
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(part);
  if (set) {
    const values = set[3].split(',').map((v) => v.trim());
    checkKey(set[1], text);
    if (values.length === 1 && values[0] === '' && set[3].trim() === '') {
      throw new LabelSelectorError(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty (in "${text}")`);
    }
    values.forEach((v) => checkValue(v, text));
    return { key: set[1], operator: set[2] === 'in' ? 'In' : 'NotIn', values };
  }
  const binary = /^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/.exec(part);
  if (binary) {
    const [, key, op, rawValue] = binary;
    const value = rawValue.trim();
    checkKey(key, text);
    if (op === '>' || op === '<') {
      if (!/^-?\d+$/.test(value)) throw new LabelSelectorError(`unable to parse requirement: for 'Gt', 'Lt' operators, the value must be an integer (in "${text}")`);
      return { key, operator: op === '>' ? 'GreaterThan' : 'LessThan', values: [value] };
    }
    if (/[\s(),=!]/.test(value)) throw new LabelSelectorError(`unable to parse requirement: found '${value}', expected: identifier in "${text}"`);
    checkValue(value, text);
    return { key, operator: op === '!=' ? 'NotEquals' : 'Equals', values: [value] };
  }
  const exists = /^(!?)\s*([^\s=!<>(),]+)$/.exec(part);
  if (exists) {
    checkKey(exists[2], text);
    return { key: exists[2], operator: exists[1] ? 'DoesNotExist' : 'Exists', values: [] };
  }
  throw new LabelSelectorError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt (in "${text}")`);
}

export function parseLabelSelector(text: string): LabelSelector {
  if (text.trim() === '') return selectorOf([]);
  return selectorOf(splitRequirements(text).map((p) => parseRequirement(p, text)));
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

const EXPRESSION_OPERATORS: Record<string, LabelOperator> = { In: 'In', NotIn: 'NotIn', Exists: 'Exists', DoesNotExist: 'DoesNotExist' };

export function labelSelectorFromObject(sel: LabelSelectorObject | undefined): LabelSelector {
  const requirements: LabelRequirement[] = [];
  for (const [key, value] of Object.entries(sel?.matchLabels ?? {})) {
    checkKey(key, 'matchLabels');
    checkValue(String(value), 'matchLabels');
    requirements.push({ key, operator: 'Equals', values: [String(value)] });
  }
  for (const e of sel?.matchExpressions ?? []) {
    const operator = EXPRESSION_OPERATORS[e.operator];
    if (!operator) throw new LabelSelectorError(`unable to parse requirement: "${e.operator}" is not a valid label selector operator`);
    checkKey(e.key, 'matchExpressions');
    const values = e.values ?? [];
    if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
      throw new LabelSelectorError(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
    }
    if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
      throw new LabelSelectorError(`unable to parse requirement: values set must be empty for exists and does not exist`);
    }
    requirements.push({ key: e.key, operator, values });
  }
  return selectorOf(requirements);
}

/** The value v when the selector requires key=v (lets callers use an index instead of a scan). */
export function equalityValue(selector: LabelSelector, key: string): string | undefined {
  const r = selector.requirements.find((req) => req.key === key && (req.operator === 'Equals' || (req.operator === 'In' && req.values.length === 1)));
  return r?.values[0];
}
