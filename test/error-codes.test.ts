// Keeps docs/errors.md and the source in step (as Fastify does for FST_ERR_*): every SLIPWAY_*
// code literal in src/ is documented, nothing documented is gone from src/, and each code's
// documented kind is the kind of the error class that throws it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const kindOfClass: Record<string, string> = {
  InputError: 'input', AuthError: 'auth', ForbiddenError: 'forbidden', NotFoundError: 'not_found', ConflictError: 'conflict', SlipwayError: 'internal',
};

interface Use {
  code: string;
  where: string;
}

/** Code literals in src/**\/*.ts (not tests): 'SLIPWAY_X' in any quotes, and `SLIPWAY_X_${…}` prefixes as 'SLIPWAY_X_'. */
function scanSource(): { uses: Use[]; thrown: (Use & { kind: string })[] } {
  const uses: Use[] = [];
  const thrown: (Use & { kind: string })[] = [];
  const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .sort();
  for (const file of files) {
    const text = readFileSync(join(root, 'src', file), 'utf8');
    const where = (index: number) => `src/${file}:${text.slice(0, index).split('\n').length}`;
    // Environment variables (SLIPWAY_URL, SLIPWAY_ENV…) are read and set as unquoted keys, so only codes match;
    // those that commander reads for an option are named in `.env('…')`, which is skipped.
    for (const m of text.matchAll(/(?<!\.env\()(['"`])(SLIPWAY_[A-Z0-9_]*[A-Z0-9])\1/g)) uses.push({ code: m[2]!, where: where(m.index) });
    for (const m of text.matchAll(/`(SLIPWAY_[A-Z0-9_]*_)\$\{/g)) uses.push({ code: m[1]!, where: where(m.index) });
    for (const m of text.matchAll(/new (\w+)\(\s*'(SLIPWAY_[A-Z0-9_]+)'/g)) {
      const kind = kindOfClass[m[1]!];
      if (kind) thrown.push({ code: m[2]!, kind, where: where(m.index) });
    }
  }
  return { uses, thrown };
}

/** The rows of docs/errors.md's tables: code (a prefix code is written `SLIPWAY_X_<what>`) and the kind's first word. */
function readDocs(): { rows: Map<string, string>; twice: string[] } {
  const text = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  const rows = new Map<string, string>();
  const twice: string[] = [];
  for (const m of text.matchAll(/^\|\s*`(SLIPWAY_[A-Z0-9_]+(?:<[a-z]+>)?)`\s*\|\s*(\S+)/gm)) {
    if (rows.has(m[1]!)) twice.push(m[1]!);
    rows.set(m[1]!, m[2]!);
  }
  return { rows, twice };
}

/** How a code used in src/ appears in the docs: a prefix 'SLIPWAY_HTTP_' as 'SLIPWAY_HTTP_<status>'. */
function docKey(code: string, docs: Map<string, string>): string | undefined {
  if (!code.endsWith('_')) return docs.has(code) ? code : undefined;
  return [...docs.keys()].find((key) => key.startsWith(`${code}<`));
}

describe('error codes', () => {
  const { uses, thrown } = scanSource();
  const { rows: docs, twice } = readDocs();

  it('finds the codes the source throws and the rows the docs list', () => {
    expect(uses.map((u) => u.code)).toEqual(expect.arrayContaining(['SLIPWAY_RUN_NOT_FOUND', 'SLIPWAY_BAD_SIGNATURE', 'SLIPWAY_HTTP_']));
    expect(thrown.find((t) => t.code === 'SLIPWAY_RUN_NOT_FOUND')).toMatchObject({ kind: 'not_found' });
    expect(docs.get('SLIPWAY_RUN_NOT_FOUND')).toBe('not_found');
    expect(twice, 'documented twice').toEqual([]);
  });

  it('documents every SLIPWAY_* code used in src/ in docs/errors.md', () => {
    const missing = uses.filter((u) => docKey(u.code, docs) === undefined).map((u) => `${u.code} (${u.where})`);
    expect(missing, 'add these codes to docs/errors.md').toEqual([]);
  });

  it('documents no code that src/ no longer uses', () => {
    const used = new Set(uses.map((u) => docKey(u.code, docs)));
    expect([...docs.keys()].filter((key) => !used.has(key)), 'remove these from docs/errors.md, or use them').toEqual([]);
  });

  it('documents each code with the kind of the error class that throws it', () => {
    const wrong = thrown.filter((t) => docs.has(t.code) && docs.get(t.code) !== t.kind)
      .map((t) => `${t.code}: thrown as ${t.kind} at ${t.where}, documented as ${docs.get(t.code)}`);
    expect(wrong).toEqual([]);
  });
});
