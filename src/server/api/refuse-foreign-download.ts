// What an agent may download (issue 7): only the artifacts and source trees named by commands the
// server sent it (see core/agents/agent-scope.ts): a host the artifacts of the deployments that
// staged on it, a runner the sources of the jobs it was given. People keep what their role gives.
import { ForbiddenError } from '../../base/errors.ts';
import type { Principal } from '../../core/access/principal.ts';
import type { AgentScope } from '../../core/agents/agent-scope.ts';
import type { ApiDeps } from './api-deps.ts';

/**
 * Throws ForbiddenError (SLIPWAY_DOWNLOAD_NOT_PART_OF, logged) when the principal is an agent that
 * no command names `scope` for. Asks the store each time, not a cache: a download is rare next to
 * its bytes, and an instance that did not send the command must still answer right.
 */
export async function refuseForeignDownload(deps: Pick<ApiDeps, 'store' | 'log'>, principal: Principal, scope: AgentScope, what: string): Promise<void> {
  if (principal.kind !== 'agent') return;
  const { agent } = principal;
  if ((await deps.store.commands.heldScopes(agent.id, [scope])).length > 0) return;
  deps.log.warn({ agent: agent.name, agentId: agent.id, scope }, `download refused: agent ${agent.name} is not part of a job or deployment that needs ${what}`);
  throw new ForbiddenError('SLIPWAY_DOWNLOAD_NOT_PART_OF', `agent ${agent.name} is not part of a job or deployment that needs ${what}`);
}
