/**
 * The options a caller may pass to a backup or restore program, checked as pgo 4.2.4 checked them
 * (apiserver/backupoptions): the string is cut into arguments the way 4.2.4 cut it, parsed as its
 * flag library parsed it against the flags each program allows, and the values of some flags are
 * checked. Refused flags (those the server sets itself, or that would point the program at another
 * host or repository) are named; the messages are 4.2.4's, which pgo clients print as they come.
 */
import { BACKREST_STORAGE_TYPES } from './constants.js';

export type BackupProgram = 'pgbackrest-backup' | 'pgbackrest-restore' | 'pg_basebackup' | 'pg_dump' | 'pg_restore';

type FlagKind = 'bool' | 'int' | 'string' | 'stringArray';

interface Flag {
  name: string;
  kind: FlagKind;
  short?: string;
}

type Value = boolean | number | string | string[];

/** The flags that were given, by long name, with their final values. */
class Given {
  constructor(readonly values: Map<string, Value>) {}
  has(name: string): boolean {
    return this.values.has(name);
  }
  string(name: string): string {
    const v = this.values.get(name);
    return typeof v === 'string' ? v : '';
  }
  int(name: string): number {
    const v = this.values.get(name);
    return typeof v === 'number' ? v : 0;
  }
  bool(name: string): boolean {
    return this.values.get(name) === true;
  }
  list(name: string): string[] {
    const v = this.values.get(name);
    return Array.isArray(v) ? v : [];
  }
}

/** A check of one given flag's value; it answers the problems it finds. */
type Check = (given: Given) => string[];

interface OptionSet {
  /** The name 4.2.4 gave the flag set (`<utility> backup-opts`). */
  utility: string;
  flags: Flag[];
  refused: string[];
  refusedShort: string[];
  checks: Record<string, Check>;
}

const b = (name: string, short?: string): Flag => ({ name, kind: 'bool', short });
const i = (name: string, short?: string): Flag => ({ name, kind: 'int', short });
const s = (name: string, short?: string): Flag => ({ name, kind: 'string', short });
const a = (name: string, short?: string): Flag => ({ name, kind: 'stringArray', short });

const oneOf = (allowed: string[], message: string, flag: string): Check => (g) => (allowed.includes(g.string(flag)) ? [] : [message]);
const inRange = (min: number, max: number, message: string, flag: string): Check => (g) => (g.int(flag) >= min && g.int(flag) <= max ? [] : [message]);
const requires = (other: string, message: string): Check => (g) => (g.bool(other) ? [] : [message]);
const sections = (message: string): Check => (g) => g.list('section').filter((v) => !['pre-data', 'data', 'post-data'].includes(v)).map(() => message);

const BACKREST_LOG_LEVELS = ['off', 'error', 'warn', 'info', 'detail', 'debug', 'trace'];
const BACKREST_REFUSED = [
  '--archive-check', '--no-archive-check', '--online', '--no-online', '--link-all', '--link-map', '--tablespace-map', '--tablespace-map-all', '--cmd-ssh', '--config',
  '--config-include-path', '--config-path', '--lock-path', '--neutral-umask', '--no-neutral-umask', '--stanza', '--log-timestamp', '--repo-cipher-type', '--repo-host',
  '--repo-host-cmd', '--repo-host-config', '--repo-host-config-include-path', '--repo-host-config-path', '--repo-host-port', '--repo-host-user', '--repo-path',
  '--repo-s3-bucket', '--repo-s3-ca-file', '--repo-s3-ca-path', '--repo-s3-endpoint', '--repo-s3-host', '--repo-s3-region', '--repo-s3-verify-ssl', '--repo-type',
  '--pg-host', '--pg-host-cmd', '--pg-host-config', '--pg-host-config-include-path', '--pg-host-config-path', '--pg-host-port', '--pg-host-user', '--pg-path', '--pg-port',
];
/** Flags pgBackRest backups and restores share. */
const BACKREST_COMMON = [s('buffer-size'), b('compress'), b('no-compress'), i('compress-level'), i('compress-level-network'), i('db-timeout'), b('no-delta'), i('process-max'), i('protocol-timeout'), s('log-level-console'), s('log-level-file'), s('log-level-stderr'), b('log-subprocess')];
const BACKUP_TYPES = ['full', 'diff', 'incr'];

/** The log levels of both pgBackRest sets; 4.2.4 never checked `--log-level-stderr` (its check named a field that does not exist). */
function backrestChecks(what: 'backup' | 'restore'): Record<string, Check> {
  const logLevel = (flag: string) => oneOf(BACKREST_LOG_LEVELS, `Invalid log level for pgBackRest ${what}`, flag);
  return {
    'compress-level': inRange(0, 9, `Invalid compress level for pgBackRest ${what}`, 'compress-level'),
    'compress-level-network': inRange(0, 9, `Invalid network compress level for pgBackRest ${what}`, 'compress-level-network'),
    'log-level-console': logLevel('log-level-console'),
    'log-level-file': logLevel('log-level-file'),
  };
}

const PG_REFUSED = ['--binary-upgrade', '--no-reconnect', '--dbname', '--host', '--port', '--username', '--no-password', '--password', '--version'];
const PG_REFUSED_SHORT = ['-R', '-d', '-h', '-p', '-U', '-w', '-W', '-V'];
const DUMP_FORMATS = ['p', 'plain', 'c', 'custom', 't', 'tar'];

/** Checks pg_dump, pg_dumpall and pg_restore share, worded for the program and the operation. */
function pgChecks(what: string): Record<string, Check> {
  return {
    superuser: requires('disable-triggers', `The --superuser option is only applicable for a ${what} if the --disable-triggers option has also been specified`),
    'if-exists': requires('clean', `The --if-exists option is only valid for a ${what} if the --clean option is also specified`),
  };
}

const OPTION_SETS: Record<BackupProgram | 'pg_dumpall', OptionSet> = {
  'pgbackrest-backup': {
    utility: 'pgBackRest',
    flags: [
      b('archive-copy'), b('no-archive-copy'), i('archive-timeout'), b('backup-standby'), b('no-backup-standby'), b('checksum-page'), b('no-checksum-page'), s('exclude'), b('force'),
      s('manifest-save-threshold'), b('resume'), b('no-resume'), b('start-fast'), b('no-start-fast'), b('stop-auto'), b('no-stop-auto'), s('type'), ...BACKREST_COMMON,
      i('repo1-retention-full'), i('repo1-retention-diff'), i('repo1-retention-archive'), s('repo1-retention-archive-type'),
    ],
    refused: BACKREST_REFUSED,
    refusedShort: [],
    checks: {
      ...backrestChecks('backup'),
      type: oneOf(BACKUP_TYPES, 'Invalid type provided for pgBackRest backup', 'type'),
      'repo1-retention-full': inRange(1, 9999999, 'Invalid value for pgBackRest full backup retention. Allowed: 1-9999999', 'repo1-retention-full'),
      'repo1-retention-diff': inRange(1, 9999999, 'Invalid value for pgBackRest diff backup retention. Allowed: 1-9999999', 'repo1-retention-diff'),
      'repo1-retention-archive': inRange(1, 9999999, 'Invalid value for pgBackRest archive retention. Allowed: 1-9999999', 'repo1-retention-archive'),
      'repo1-retention-archive-type': oneOf(BACKUP_TYPES, 'Invalid backup type for pgBackRest WAL retention. Allowed: "full", "diff", "incr"', 'repo1-retention-archive-type'),
    },
  },
  'pgbackrest-restore': {
    utility: 'pgBackRest',
    flags: [s('db-include'), b('force'), s('recovery-option'), s('set'), s('target'), s('target-action'), b('target-exclusive'), b('no-target-exclusive'), i('target-timeline'), s('type'), ...BACKREST_COMMON],
    refused: BACKREST_REFUSED,
    refusedShort: [],
    checks: {
      ...backrestChecks('restore'),
      'target-action': oneOf(['pause', 'promote', 'shutdown'], 'Invalid target action provided for pgBackRest restore', 'target-action'),
      'target-exclusive': (g) => (['time', 'xid'].includes(g.string('type')) ? [] : ["The target exclusive option is only applicable for a pgBackRest restore when type is 'time' or 'xid' "]),
      type: oneOf(['default', 'immediate', 'name', 'xid', 'time', 'preserve', 'none'], 'Invalid type provided for pgBackRest restore', 'type'),
    },
  },
  pg_basebackup: {
    utility: 'pg_basebackup',
    flags: [
      s('format', 'F'), s('max-rate', 'r'), b('write-recovery', 'R'), b('no-slot'), s('tablespace-mapping', 'T'), s('waldir'), b('gzip', 'z'), i('compress', 'Z'), s('checkpoint', 'c'),
      b('no-clean', 'n'), b('progress', 'P'), b('no-sync'), b('verbose', 'v'), b('no-verify-checksums'), i('status-interval', 's'),
    ],
    refused: ['--pgdata', '--slot', '--wal-method', '--label', '--dbname', '--host', '--port', '--username', '--no-password', '--password', '--version'],
    refusedShort: ['-D', '-S', '-X', '-l', '-d', '-h', '-p', '-U', '-w', '-W', '-V'],
    checks: {
      format: oneOf(['p', 'plain', 't', 'tar'], 'Invalid format provided for pg_basebackup backup', 'format'),
      'max-rate': (g) => maxRateProblems(g.string('max-rate')),
      compress: (g) => {
        if (g.int('compress') < 0 || g.int('compress') > 9) return ['Invalid compress level for pg_basebackup backup'];
        return g.string('format') === 'tar' ? [] : ['Compress level is only supported when using the tar format for a pg_basebackup backup'];
      },
      checkpoint: oneOf(['fast', 'spread'], 'Invalid checkpoint provided for pg_basebackup backup', 'checkpoint'),
    },
  },
  pg_dump: {
    utility: 'pg_dump',
    flags: [
      b('data-only', 'a'), b('blobs', 'b'), b('no-blobs', 'B'), b('clean', 'c'), b('create', 'C'), s('encoding', 'E'), i('jobs', 'j'), s('format', 'F'), a('schema', 'n'), s('exclude-schema', 'N'),
      b('oids', 'o'), b('no-owner', 'O'), b('schema-only', 's'), s('superuser', 'S'), a('table', 't'), s('exclude-table', 'T'), b('verbose', 'v'), b('no-privileges', 'x'), b('no-acl'),
      i('compress', 'Z'), b('column-inserts'), b('attribute-inserts'), b('disable-dollar-quoting'), b('disable-triggers'), b('exclude-row-security'), s('exclude-table-data'), b('if-exists'),
      b('inserts'), s('lock-wait-timeout'), b('load-via-partition-root'), b('no-comments'), b('no-publications'), b('no-security-labels'), b('no-subscriptions'), b('no-sync'),
      b('no-tablespaces'), b('no-unlogged-table-data'), b('quote-all-identifiers'), a('section'), b('serializable-deferrable'), s('snapshot'), s('strict-names'),
      b('use-set-session-authorization'), s('role'),
    ],
    refused: PG_REFUSED,
    refusedShort: PG_REFUSED_SHORT,
    checks: {
      ...pgChecks('pg_dump backup'),
      format: oneOf(DUMP_FORMATS, 'Invalid format provided for pg_dump backup', 'format'),
      compress: (g) => {
        if (g.int('compress') < 0 || g.int('compress') > 9) return ['Invalid compress level for pg_dump backup'];
        return g.string('format') === 'tar' ? ['Compress level is not supported when using the tar format for a pg_dump backup'] : [];
      },
      section: sections('Invalid section provided for pg_dump backup'),
    },
  },
  pg_dumpall: {
    utility: 'pg_dumpall',
    flags: [
      b('data-only', 'a'), b('clean', 'c'), s('encoding', 'E'), b('globals-only', 'g'), b('oids', 'o'), b('no-owner', 'O'), b('roles-only', 'r'), b('schema-only', 's'), s('superuser', 'S'),
      b('tablespaces-only', 't'), b('verbose', 'v'), b('no-privileges', 'x'), b('no-acl'), b('column-inserts'), b('attribute-inserts'), b('disable-dollar-quoting'), b('disable-triggers'),
      b('if-exists'), b('inserts'), s('lock-wait-timeout'), b('load-via-partition-root'), b('no-comments'), b('no-publications'), b('no-role-passwords'), b('no-security-labels'),
      b('no-subscriptions'), b('no-sync'), b('no-tablespaces'), b('no-unlogged-table-data'), b('quote-all-identifiers'), b('use-set-session-authorization'), s('role'), b('dump-all'),
    ],
    refused: PG_REFUSED,
    refusedShort: PG_REFUSED_SHORT,
    checks: pgChecks('pg_dumpall backup'),
  },
  pg_restore: {
    utility: 'pg_restore',
    flags: [
      b('data-only', 'a'), b('clean', 'c'), b('create', 'C'), b('exit-on-error', 'e'), s('filename', 'f'), s('format', 'F'), a('index', 'I'), i('jobs', 'j'), b('list', 'l'), b('useList', 'L'),
      s('schema', 'n'), s('exclude-schema', 'N'), b('no-owner', 'O'), a('function', 'P'), b('schema-only', 's'), s('superuser', 'S'), s('table', 't'), a('trigger', 'T'), b('verbose', 'v'),
      b('no-privileges', 'x'), b('no-acl'), b('single-transaction', '1'), b('disable-triggers'), b('enable-row-security'), b('if-exists'), b('no-comments'), b('no-data-for-failed-tables'),
      b('no-publications'), b('no-security-labels'), b('no-subscriptions'), b('no-tablespaces'), a('section'), s('strict-names'), b('use-set-session-authorization'), s('role'),
    ],
    refused: PG_REFUSED,
    refusedShort: PG_REFUSED_SHORT,
    checks: {
      ...pgChecks('pg_restore restore'),
      format: oneOf(DUMP_FORMATS, 'Invalid format provided for pg_restore restore', 'format'),
      section: sections('Invalid section provided for pg_restore restore'),
    },
  },
};

/** strconv.Atoi's syntax: an optional sign and decimal digits. */
const goAtoi = (text: string): number | undefined => (/^[+-]?\d+$/.test(text) ? Number(text) : undefined);

function maxRateProblems(rate: string): string[] {
  const scaled = rate.endsWith('k') ? goAtoi(rate.slice(0, -1)) : rate.endsWith('M') ? mapDefined(goAtoi(rate.slice(0, -1)), (v) => v * 1000) : goAtoi(rate);
  if (scaled === undefined) return ['Invalid format for max rate value provided for pg_basebackup backup'];
  if (scaled < 32 || scaled > 1024000) return ['The max rate value provided for pg_basebackup backup is outside of the range allowed (between 32KB and 1024MB)'];
  return [];
}

const mapDefined = <T, U>(value: T | undefined, f: (v: T) => U): U | undefined => (value === undefined ? undefined : f(value));

/**
 * 4.2.4's cut of an option string into arguments: a new argument starts at each space followed by
 * `-`; an argument whose first word has no `=` is split after that word (`--target 2020-01-01 10:00`
 * gives `--target` and `2020-01-01 10:00`).
 */
export function optionArguments(text: string): string[] {
  const out: string[] = [];
  let field = '';
  for (let at = 0; at < text.length; at++) {
    const c = text[at];
    const startsNext = c === ' ' && text[at + 1] === '-';
    if (!startsNext) field += c;
    if (at === text.length - 1 || startsNext) {
      const words = field.split(' ');
      if (words.length > 1 && !words[0].includes('=')) {
        const space = field.indexOf(' ');
        out.push(field.slice(0, space).trim(), field.slice(space + 1).trim());
      } else out.push(field.trim());
      field = '';
    }
  }
  return out;
}

/** Go's %q of a string, for the ASCII text flags are made of. */
const goQuote = (text: string): string => JSON.stringify(text);

/** strconv.ParseInt(text, 0, 64): decimal, or 0x / 0o / 0b / leading-0 octal. */
function parseGoInt(text: string): number | string {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO]?[0-7]+|0|[1-9][0-9]*)$/.exec(text);
  if (!m) return `strconv.ParseInt: parsing ${goQuote(text)}: invalid syntax`;
  const digits = m[2];
  const body = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.replace(/^0O/, '0o').replace(/^0X/, '0x').replace(/^0B/, '0b');
  const value = BigInt(body) * (m[1] === '-' ? -1n : 1n);
  if (value > 2n ** 63n - 1n || value < -(2n ** 63n)) return `strconv.ParseInt: parsing ${goQuote(text)}: value out of range`;
  return Number(value);
}

function parseGoBool(text: string): boolean | string {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return `strconv.ParseBool: parsing ${goQuote(text)}: invalid syntax`;
}

/** A parse failure, in the flag library's words; `help` when -h or --help asked for usage. */
class ParseError extends Error {
  constructor(
    message: string,
    readonly help = false,
  ) {
    super(message);
  }
}

/** The flag library's usage text, which 4.2.4 answered when asked for help. */
function usage(set: OptionSet): string {
  const lines = [...set.flags]
    .sort((x, y) => (x.name < y.name ? -1 : 1))
    .map((f) => `${f.short ? `  -${f.short}, --${f.name}` : `      --${f.name}`}${f.kind === 'bool' ? '' : ` ${f.kind}`}`);
  // The library pads every line to the longest one plus one, then prints the (empty) help text after a space.
  const width = Math.max(...lines.map((l) => l.length)) + 1;
  return `Usage of ${set.utility} backup-opts:\n${lines.map((l) => `${l} ${' '.repeat(width - l.length)} \n`).join('')}`;
}

/** Parses the arguments as the flag library did: interspersed words are ignored, `--` ends the flags. */
function parseFlags(set: OptionSet, args: string[]): Given {
  const byName = new Map(set.flags.map((f) => [f.name, f]));
  const byShort = new Map(set.flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  const values = new Map<string, Value>();
  const assign = (flag: Flag, value: string) => {
    const parsed = flag.kind === 'bool' ? parseGoBool(value) : flag.kind === 'int' ? parseGoInt(value) : value;
    if (flag.kind !== 'string' && flag.kind !== 'stringArray' && typeof parsed === 'string') {
      const shown = flag.short ? `-${flag.short}, --${flag.name}` : `--${flag.name}`;
      throw new ParseError(`invalid argument ${goQuote(value)} for ${goQuote(shown)} flag: ${parsed}`);
    }
    values.set(flag.name, flag.kind === 'stringArray' ? [...((values.get(flag.name) as string[] | undefined) ?? []), value] : parsed);
  };
  const rest = [...args];
  while (rest.length > 0) {
    const arg = rest.shift() as string;
    if (arg.length < 2 || !arg.startsWith('-')) continue;
    if (arg === '--') break;
    if (arg.startsWith('--')) {
      const body = arg.slice(2);
      if (body.startsWith('-') || body.startsWith('=')) throw new ParseError(`bad flag syntax: ${arg}`);
      const eq = body.indexOf('=');
      const name = eq < 0 ? body : body.slice(0, eq);
      const flag = byName.get(name);
      if (!flag) {
        if (name === 'help') throw new ParseError(usage(set), true);
        throw new ParseError(`unknown flag: --${name}`);
      }
      if (eq >= 0) assign(flag, body.slice(eq + 1));
      else if (flag.kind === 'bool') assign(flag, 'true');
      else if (rest.length > 0) assign(flag, rest.shift() as string);
      else throw new ParseError(`flag needs an argument: ${arg}`);
      continue;
    }
    let shorts = arg.slice(1);
    while (shorts.length > 0) {
      const c = shorts[0];
      const flag = byShort.get(c);
      if (!flag) {
        if (c === 'h') throw new ParseError(usage(set), true);
        throw new ParseError(`unknown shorthand flag: '${c}' in -${shorts}`);
      }
      if (shorts.length > 2 && shorts[1] === '=') {
        assign(flag, shorts.slice(2));
        shorts = '';
      } else if (flag.kind === 'bool') {
        assign(flag, 'true');
        shorts = shorts.slice(1);
      } else if (shorts.length > 1) {
        assign(flag, shorts.slice(1));
        shorts = '';
      } else if (rest.length > 0) {
        assign(flag, rest.shift() as string);
        shorts = '';
      } else throw new ParseError(`flag needs an argument: '${c}' in -${shorts}`);
    }
  }
  return new Given(values);
}

/** 4.2.4 named a refused flag instead of calling it unknown. */
function refusal(set: OptionSet, error: ParseError): string {
  if (error.help) return error.message;
  if (error.message.startsWith('unknown flag')) {
    const refused = set.refused.find((flag) => new RegExp(`\\B${flag}$`).test(error.message));
    if (refused) return `Flag ${refused} is not supported for use with PGO`;
  } else if (error.message.startsWith('unknown shorthand flag')) {
    const refused = set.refusedShort.find((flag) => error.message.includes(`'${flag.slice(1)}'`));
    if (refused) return `Shorthand flag ${refused} is not supported for use with PGO`;
  }
  return error.message;
}

/** The pg_dump set, or the pg_dumpall one when the options ask for `--dump-all`, as 4.2.4 chose. */
function optionSet(program: BackupProgram, text: string): OptionSet {
  return program === 'pg_dump' && text.includes('--dump-all') ? OPTION_SETS.pg_dumpall : OPTION_SETS[program];
}

/** 4.2.4's first check of any backup options, whatever the program: flags, and not only dashes. */
export function optionsSyntaxProblem(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (!trimmed.startsWith('-')) return "bad flag syntax. Backup options must start with '-' or '--'";
  if (text.replace(/-/g, '').trim() === '') return 'bad flag syntax. No backup options provided';
  return undefined;
}

/**
 * The problem 4.2.4 found with these options for this program, or undefined when they pass.
 * Several value problems are answered together, one a line, in the order of the flags' names.
 */
export function backupOptionsProblem(program: BackupProgram, text: string): string | undefined {
  const syntax = optionsSyntaxProblem(text);
  if (syntax !== undefined || text.trim() === '') return syntax;
  const set = optionSet(program, text);
  let given: Given;
  try {
    given = parseFlags(set, optionArguments(text));
  } catch (error) {
    if (error instanceof ParseError) return refusal(set, error);
    throw error;
  }
  const problems = [...given.values.keys()].sort().flatMap((name) => set.checks[name]?.(given) ?? []);
  return problems.length > 0 ? problems.join('\n') : undefined;
}

/**
 * A pgBackRest backup's `--type` taken out of its options (pgo sends `--backup-opts=--type=full`),
 * the last one winning as in the flag library; the other arguments are kept in order.
 */
export function splitBackrestType(text: string): { type?: string; options: string } {
  const args = optionArguments(text.trim());
  const kept: string[] = [];
  let type: string | undefined;
  for (let at = 0; at < args.length; at++) {
    if (args[at].startsWith('--type=')) type = args[at].slice('--type='.length);
    else if (args[at] === '--type' && at + 1 < args.length) type = args[++at];
    else if (args[at] !== '') kept.push(args[at]);
  }
  return { type, options: kept.join(' ') };
}

const QUOTED_STORAGE_TYPES = BACKREST_STORAGE_TYPES.map((t) => `"${t}"`).join(', ');

/**
 * 4.2.4's check of a requested pgBackRest storage type against the cluster's (its
 * `backrest-storage-type` user label, empty meaning local): the message, or undefined when allowed.
 */
export function backrestStorageTypeProblem(requested: string, clusterTypes: string, restore: boolean): string | undefined {
  if (requested !== '' && !requested.split(',').every((t) => (BACKREST_STORAGE_TYPES as readonly string[]).includes(t))) {
    return `Invalid value provided for pgBackRest storage type. The following values are allowed: ${QUOTED_STORAGE_TYPES}`;
  }
  if (requested.includes('s3') && !clusterTypes.includes('s3')) return "Storage type 's3' not allowed. S3 storage is not enabled for pgBackRest in thiscluster";
  if ((requested === '' || requested.includes('local')) && clusterTypes !== '' && !clusterTypes.includes('local')) {
    return "Storage type 'local' not allowed. Local storage is not enabled for pgBackRest in this cluster. If this cluster uses S3 storage only, specify 's3' for the pgBackRest storage type.";
  }
  if (restore && requested.split(',').length > 1) {
    return `Multiple storage types cannot be selected cannot be select when performing a restore. Please select one of the following: ${QUOTED_STORAGE_TYPES}`;
  }
  return undefined;
}
