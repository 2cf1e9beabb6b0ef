// The audit log (admins only: audit.read): entries newest first with filters, and the check of
// its hash chain from the first entry to the chain head.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AuditHead } from '../../core/audit/audit-entry.ts';
import { AuditChainVerifier } from '../../core/audit/verify-audit-chain.ts';
import type { AuditEntryAnswer, AuditVerifyAnswer } from '../../core/api/answers.ts';
import type { Store } from '../../storage/store.ts';
import { audited } from '../auth/audit-requests.ts';
import { requires } from '../auth/authorize-requests.ts';
import type { ApiDeps } from './api-deps.ts';
import { parseInput } from './parse-input.ts';
import { parseWholeNumber, WHOLE_NUMBER, wholeNumberParameter } from './whole-number.ts';

const PAGE = 1_000;

/** A time as ms since the epoch (no more than a bigint column and JavaScript both hold) or an ISO 8601 date. */
const time = z.string().transform((text, ctx) => {
  const at = /^\s*\d+\s*$/.test(text) ? parseWholeNumber(text) ?? Number.NaN : Date.parse(text);
  if (Number.isNaN(at)) {
    ctx.addIssue({ code: 'custom', message: `expected ms since the epoch (${WHOLE_NUMBER}) or an ISO 8601 time like 2026-01-31T12:00:00Z` });
    return z.NEVER;
  }
  return at;
});

const auditQuery = z.strictObject({
  actor: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  since: time.optional(),
  before: wholeNumberParameter('an audit entry seq').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function auditRoutes(app: FastifyInstance, deps: Pick<ApiDeps, 'store'>): void {
  // Reading declares an action too: a refused look at the audit log is itself recorded.
  const read = audited('audit.read', requires('audit.read'));

  app.get('/api/v1/audit', read, async (request): Promise<AuditEntryAnswer[]> => {
    const query = parseInput(auditQuery, request.query, 'audit query');
    return deps.store.audit.list({
      limit: query.limit,
      ...(query.actor === undefined ? {} : { actor: query.actor }),
      ...(query.project === undefined ? {} : { project: query.project }),
      ...(query.since === undefined ? {} : { since: query.since }),
      ...(query.before === undefined ? {} : { beforeSeq: query.before }),
    });
  });

  app.get('/api/v1/audit/verify', read, async (): Promise<AuditVerifyAnswer> => verifyStoredChain(deps.store));
}

/**
 * Reads the chain page by page and verifies it. Appends may go on meanwhile, so the chain head is
 * read before and after: the chain must end at one of them, or, where entries were appended while
 * it was read, between them (then the newest entry read stands for the head).
 */
export async function verifyStoredChain(store: Store): Promise<AuditVerifyAnswer> {
  const first = await store.audit.head();
  const verifier = new AuditChainVerifier(sha256);
  let last: AuditHead = { seq: 0, hash: '' };
  for (;;) {
    const page = await store.audit.read(verifier.next - 1, PAGE);
    const broken = verifier.feed(page);
    if (broken) return broken;
    const newest = page.at(-1);
    if (!newest) break;
    last = { seq: newest.seq, hash: newest.hash };
  }
  const second = await store.audit.head();
  const head = [second, first].find((h) => h.seq === last.seq)
    ?? (last.seq > first.seq && last.seq < second.seq ? last : second);
  return verifier.end(head);
}
