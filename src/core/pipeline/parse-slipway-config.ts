// Turns the text of a slipway.yml into the normalized SlipwayConfig, or into every problem it has,
// each with the line and column where it stands. Hostile text (huge, or an alias bomb) is a problem too.
import { isAlias, isMap, isNode, isPair, isScalar, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { errorMessage } from '../../base/errors.ts';
import { normalizeConfig } from './normalize-config.ts';
import type { SlipwayConfig } from './slipway-config.ts';
import { loadBalancerKinds, slipwayFileSchema } from './slipway-file.ts';

export interface ConfigProblem {
  line: number;
  col: number;
  /** Dotted path of the value in the file, e.g. "environments.production.batch"; "" for the file. */
  path: string;
  message: string;
}

export type ConfigParseResult =
  | { ok: true; config: SlipwayConfig }
  | { ok: false; problems: ConfigProblem[] };

/** The largest slipway.yml read, in UTF-8 bytes: a real one is a few KiB. */
export const MAX_CONFIG_BYTES = 256 * 1024;

/**
 * How many times aliases may repeat a value when the YAML is expanded (yaml's own measure): enough
 * for sharing a few steps or label sets, far too few for an alias bomb ("billion laughs").
 */
export const MAX_ALIAS_COUNT = 100;

/**
 * Parses slipway.yml text into the normalized config. Never throws for bad input, however hostile:
 * every problem is returned at once, in file order.
 */
export function parseSlipwayConfig(text: string): ConfigParseResult {
  const size = byteLength(text);
  if (size > MAX_CONFIG_BYTES) {
    const message = `the file is ${formatKiB(size)}, more than the ${formatKiB(MAX_CONFIG_BYTES)} a slipway.yml may have`;
    return { ok: false, problems: [{ line: 1, col: 1, path: '', message }] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, col };
  };

  const problems: ConfigProblem[] = doc.errors.map((e) => ({ ...at(e.pos[0]), path: '', message: yamlMessage(e.message) }));
  // A duplicate key leaves the document whole (the last value wins), so the rest of the file is
  // still checked; after a syntax error the tree is a guess, and checking it would mislead.
  if (doc.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return { ok: false, problems };

  const raw = toPlainData(doc, at);
  if (!raw.ok) return { ok: false, problems: sortProblems([...problems, raw.problem]) };
  const parsed = slipwayFileSchema.safeParse(raw.value);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => describeIssue(doc, issue, at)));
  problems.push(...checkEnvironmentOrder(doc, raw.value, at));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems: sortProblems(problems) };
  return { ok: true, config: normalizeConfig(parsed.data) };
}

/** Formats one problem the way compilers do: `slipway.yml:12:5: environments.production.batch: ...`. */
export function formatConfigProblem(file: string, p: ConfigProblem): string {
  return `${file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/**
 * The environments in the order a version goes through them: each after the one it names in
 * `after`. Assumes a config that parsed (so `after` names exist and have no cycle).
 */
export function environmentOrder(config: SlipwayConfig): string[] {
  const order: string[] = [];
  const place = (env: string) => {
    if (order.includes(env)) return;
    const after = config.environments[env]?.after;
    if (after) place(after);
    order.push(env);
  };
  for (const env of Object.keys(config.environments)) place(env);
  return order;
}

type Position = (offset: number) => { line: number; col: number };
type Segment = string | number;

/**
 * The document as plain data. Expanding aliases is where yaml throws on a bomb (and on an alias
 * it cannot resolve): that becomes a problem at the first alias, since yaml does not say which.
 */
function toPlainData(doc: Document, at: Position): { ok: true; value: unknown } | { ok: false; problem: ConfigProblem } {
  try {
    return { ok: true, value: (doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown) ?? {} };
  } catch (err) {
    const message = /excessive alias count/i.test(errorMessage(err))
      ? `too many aliases: expanding them repeats values more than ${MAX_ALIAS_COUNT} times (an alias bomb?); write the values out instead`
      : `cannot read the YAML: ${yamlMessage(errorMessage(err))}`;
    return { ok: false, problem: { ...at(firstAliasOffset(doc)), path: '', message } };
  }
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      if (!isAlias(node) || !node.range) return undefined;
      offset = node.range[0];
      return visit.BREAK;
    },
  });
  return offset;
}

/** UTF-8 size without allocating a copy of a huge text first. */
function byteLength(text: string): number {
  return text.length > MAX_CONFIG_BYTES ? text.length : new TextEncoder().encode(text).length;
}

function formatKiB(bytes: number): string {
  return `${Math.ceil(bytes / 1024)} KiB`;
}

function describeIssue(doc: Document, issue: z.core.$ZodIssue, at: Position): ConfigProblem[] {
  const path = issue.path.filter((s): s is Segment => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    const isLoadBalancer = path[path.length - 1] === 'loadBalancer' && path.length === 3;
    return issue.keys.map((key) => ({
      ...at(keyOffset(doc, path, key)),
      path: [...path, key].join('.'),
      message: isLoadBalancer
        ? `unknown load balancer "${key}" (Slipway drives: ${loadBalancerKinds.join(', ')})`
        : `unknown key "${key}"${allowed ? ` (expected one of: ${allowed.join(', ')})` : ''}`,
    }));
  }
  if (issue.code === 'invalid_key') {
    // Zod words this "Invalid key in record"; the key's own rule says what is wrong with it.
    const key = path[path.length - 1];
    const message = issue.issues[0]?.message ?? issue.message;
    return [{ ...at(keyOffset(doc, path.slice(0, -1), String(key))), path: path.join('.'), message }];
  }
  if (issue.code === 'invalid_type' && valueAt(doc, path) === undefined) {
    const message = `missing required key "${String(path[path.length - 1])}"`;
    return [{ ...at(nearestOffset(doc, path.slice(0, -1))), path: path.join('.'), message }];
  }
  return [{ ...at(nearestOffset(doc, path)), path: path.join('.'), message: plainMessage(issue, plainValueAt(doc, path)) }];
}

/** zod's own wording for the common cases, said the way a person reads their YAML. */
function plainMessage(issue: z.core.$ZodIssue, value: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}, got ${describeValue(value)}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, got ${describeValue(value)}`;
    case 'too_big':
      return issue.origin === 'number' ? `expected at most ${String(issue.maximum)}, got ${describeValue(value)}` : issue.message;
    case 'too_small':
      return issue.origin === 'number' && !issue.message.startsWith('expected') ? `expected at least ${String(issue.minimum)}, got ${describeValue(value)}` : issue.message;
    case 'invalid_union':
      // approval's union says what it expects; the value it got completes the sentence.
      return issue.path[issue.path.length - 1] === 'approval' ? `${issue.message}, got ${describeValue(value)}` : issue.message;
    default:
      return issue.message;
  }
}

/** The value at `path` as plain data (a list stays a list), or undefined. */
function plainValueAt(doc: Document, path: Segment[]): unknown {
  const node = valueAt(doc, path);
  return isNode(node) ? (node.toJSON() as unknown) : node;
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a map of keys', array: 'a list', string: 'a string', number: 'a number', boolean: 'true or false' };
  return names[type] ?? type;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map of keys';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

type AfterLinks = Record<string, { after?: unknown } | undefined>;

/** Checks that every `after` names another environment and that they make no cycle. Works on the raw file. */
function checkEnvironmentOrder(doc: Document, raw: unknown, at: Position): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const envs = (raw as { environments?: unknown }).environments;
  if (!envs || typeof envs !== 'object' || Array.isArray(envs)) return problems;
  for (const [env, spec] of Object.entries(envs as AfterLinks)) {
    if (typeof spec?.after !== 'string') continue;
    const path = ['environments', env, 'after'];
    const where = { ...at(nearestOffset(doc, path)), path: path.join('.') };
    if (!(spec.after in (envs as AfterLinks))) {
      problems.push({ ...where, message: `no environment named "${spec.after}" (have: ${Object.keys(envs).join(', ')})` });
    } else if (spec.after === env || leadsBackTo(envs as AfterLinks, spec.after, env)) {
      problems.push({ ...where, message: `"after" makes a cycle through "${env}"` });
    }
  }
  return problems;
}

function leadsBackTo(envs: AfterLinks, from: string, target: string): boolean {
  const seen = new Set<string>();
  for (let env: unknown = from; typeof env === 'string' && !seen.has(env); env = envs[env]?.after) {
    if (env === target) return true;
    seen.add(env);
  }
  return false;
}

const knownKeys: Record<string, string[]> = {
  '': ['version', 'app', 'build', 'run', 'logs', 'migrate', 'environments'],
  migrate: ['run', 'timeout'],
  build: ['steps', 'artifact'],
  'build.steps.*': ['name', 'run', 'timeout'],
  run: ['command', 'port', 'health', 'stop_timeout'],
  'run.health': ['http', 'timeout'],
  'environments.*': ['hosts', 'batch', 'after', 'approval', 'verify', 'loadBalancer', 'rehearseRollback'],
  'environments.*.loadBalancer': [...loadBalancerKinds],
  'environments.*.loadBalancer.haproxy': ['on', 'socket', 'backend', 'server', 'drain'],
  'environments.*.approval': ['required', 'notAuthor'],
  'environments.*.verify.*': ['name', 'run', 'timeout'],
};

function allowedKeys(path: Segment[]): string[] | undefined {
  const shape = path.map((s, i) => (typeof s === 'number' || (path[i - 1] === 'environments') ? '*' : s)).join('.');
  return knownKeys[shape];
}

function valueAt(doc: Document, path: Segment[]): unknown {
  return path.length === 0 ? doc.contents : doc.getIn(path, true);
}

/** Offset of the value at `path`, or of its closest ancestor that exists. */
function nearestOffset(doc: Document, path: Segment[]): number {
  for (let n = path.length; n >= 0; n--) {
    const node = valueAt(doc, path.slice(0, n)) as Node | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) return node.range[0];
  }
  return 0;
}

function keyOffset(doc: Document, path: Segment[], key: string): number {
  const map = valueAt(doc, path);
  if (isMap(map)) {
    const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
    if (pair && isScalar(pair.key) && pair.key.range) return pair.key.range[0];
  }
  return nearestOffset(doc, path);
}

function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return [...problems].sort((a, b) => a.line - b.line || a.col - b.col);
}

function yamlMessage(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+.*$/, '');
}
