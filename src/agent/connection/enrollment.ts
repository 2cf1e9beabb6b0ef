// An agent enrolls once with the join token and keeps its own token in <root>/agent.json (0600).
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { AuthError, InputError } from '../../base/errors.ts';
import type { Labels } from '../../core/model.ts';
import { isSuccess, readText, sendRequest } from './send-request.ts';

export interface AgentIdentity {
  agentId: string;
  token: string;
  server: string;
}

const identitySchema = z.object({ agentId: z.string(), token: z.string(), server: z.string() });

export interface EnrollRequest {
  root: string;
  /** The server instances' base URLs, tried in turn; any of them enrolls for all (one database). */
  servers: readonly string[];
  joinToken: string | undefined;
  name: string;
  labels: Labels;
  address: string;
  port: number | null;
}

/**
 * The identity kept under root for one of these servers (the instances of one Slipway share their
 * agents), else a new enrollment (which needs the join token).
 */
export async function loadOrEnroll(req: EnrollRequest): Promise<AgentIdentity> {
  const kept = await readIdentity(req.root);
  if (kept && req.servers.includes(kept.server)) return kept;
  return enroll(req);
}

/**
 * Enrolls with the join token through the first server that answers (one that cannot be reached
 * is skipped; one that answers decides) and keeps the new identity under root.
 */
export async function enroll(req: EnrollRequest): Promise<AgentIdentity> {
  const names = req.servers.join(', ');
  if (!req.joinToken) {
    throw new InputError('SLIPWAY_JOIN_TOKEN_REQUIRED', `this agent is not enrolled with ${names} yet: pass --join-token (see the server's join-token file)`);
  }
  let unreachable: unknown;
  for (const server of req.servers) {
    let response: Awaited<ReturnType<typeof sendRequest>>;
    try {
      response = await sendRequest(`${server}/api/v1/agents/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${req.joinToken}` },
        body: JSON.stringify({ name: req.name, labels: req.labels, address: req.address, port: req.port }),
      });
    } catch (err) {
      unreachable = err;
      continue;
    }
    return keepEnrollment(req, server, response.statusCode, parseAnswer(await readText(response)));
  }
  throw unreachable instanceof Error ? unreachable : new Error(`enrolling with ${names} failed`);
}

async function keepEnrollment(req: EnrollRequest, server: string, status: number | undefined, body: EnrollAnswer): Promise<AgentIdentity> {
  if (status === 401) throw new AuthError('SLIPWAY_JOIN_REFUSED', `${server} refused the join token`);
  if (!isSuccess(status) || !body.agentId || !body.token) {
    throw new InputError('SLIPWAY_ENROLL_FAILED', `enrolling with ${server} failed: HTTP ${status} ${body.error?.message ?? ''}`.trim());
  }
  const identity = { agentId: body.agentId, token: body.token, server };
  await mkdir(req.root, { recursive: true });
  const file = join(req.root, 'agent.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  await chmod(`${file}.tmp`, 0o600);
  await rename(`${file}.tmp`, file);
  return identity;
}

interface EnrollAnswer {
  agentId?: string;
  token?: string;
  error?: { message?: string };
}

/** The server's JSON answer, or nothing of it when it is not JSON (a proxy's error page). */
function parseAnswer(text: string): EnrollAnswer {
  try {
    return JSON.parse(text) as EnrollAnswer;
  } catch {
    return {};
  }
}

async function readIdentity(root: string): Promise<AgentIdentity | undefined> {
  try {
    const parsed = identitySchema.safeParse(JSON.parse(await readFile(join(root, 'agent.json'), 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
