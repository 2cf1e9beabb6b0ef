// An admin's hold on agents: allow a name to enroll again, accept a pending agent, revoke an
// agent's token, remove an agent. Each change is one transaction with the event that records it;
// a revoked or removed agent's open connection is closed once it committed.
import type { FastifyInstance } from 'fastify';
import { ConflictError } from '../../base/errors.ts';
import { newToken } from '../../base/ids.ts';
import type { Agent } from '../../core/model.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { requires } from '../auth/authorize-requests.ts';
import { hashToken } from '../auth/tokens.ts';
import { StaleAction, type Tx } from '../engine/event-log.ts';
import { findAgent } from './agent-routes.ts';
import type { ApiDeps } from './api-deps.ts';

type Change = (tx: Tx, agent: Agent) => Promise<{ status: Agent['status'] }>;

export function agentAdminRoutes(app: FastifyInstance, deps: ApiDeps): void {
  /** One admin change of one agent: read it again in the transaction, change it, record the event. */
  const route = (method: 'POST' | 'DELETE', path: string, kind: string, action: string, words: string, change: Change, disconnect: boolean) => {
    app.route<{ Params: { id: string } }>({
      method, url: path, ...audited(action, requires('agent.manage')),
      handler: async (request) => {
        const found = await findAgent(deps, request.params.id);
        const by = request.principal.name;
        const after = await deps.events.transaction(async (tx) => {
          const agent = await tx.store.agents.get(found.id);
          if (!agent) throw new StaleAction(`agent ${found.name} is gone`);
          const { status } = await change(tx, agent);
          await tx.emit(kind, `agent ${agent.name} ${words} by ${by}`, {
            actor: by, data: { agent: agent.name, agentId: agent.id, before: agent.status, after: status },
          });
          await auditRequest(tx, request, { target: `agent:${agent.name}`, before: { status: agent.status }, after: { status } });
          if (disconnect) tx.afterCommit(() => deps.gateway.disconnect(agent.id, `agent ${words}`));
          return { ...agent, status };
        });
        deps.wakeEngine();
        return after;
      },
    });
  };

  const retire = (status: 'revoked' | 'removed'): Change => async (tx, agent) => {
    if (agent.status === 'removed') throw new ConflictError('SLIPWAY_AGENT_REMOVED', `agent ${agent.name} was removed already`);
    // A token nobody holds: the old one finds no agent from this commit on.
    await tx.store.agents.retire(agent.id, status, hashToken(newToken('swt')));
    return { status };
  };

  route('POST', '/api/v1/agents/:id/allow-enroll', 'agent.enroll_allowed', 'agent.allow_enroll', 'may enroll again once', async (tx, agent) => {
    if (agent.status === 'removed') throw new ConflictError('SLIPWAY_AGENT_REMOVED', `agent ${agent.name} was removed: its name enrolls as a new agent without leave`);
    await tx.store.agents.update(agent.id, { enrollAllowed: true });
    return { status: agent.status };
  }, false);

  route('POST', '/api/v1/agents/:id/accept', 'agent.accepted', 'agent.accept', 'accepted', async (tx, agent) => {
    if (agent.status !== 'pending') throw new ConflictError('SLIPWAY_AGENT_NOT_PENDING', `agent ${agent.name} is ${agent.status}, not pending`);
    await tx.store.agents.update(agent.id, { status: 'active' });
    return { status: 'active' };
  }, false);

  route('POST', '/api/v1/agents/:id/revoke', 'agent.revoked', 'agent.revoke', 'revoked', retire('revoked'), true);
  route('DELETE', '/api/v1/agents/:id', 'agent.removed', 'agent.remove', 'removed', retire('removed'), true);
}
