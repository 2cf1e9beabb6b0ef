// The push webhook: a signed POST from GitHub or Gitea fetches the project's repository at once.
import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { AuthError, InputError } from '../../base/errors.ts';
import type { WebhookAnswer } from '../../core/api/answers.ts';
import { notAudited } from '../auth/audit-requests.ts';
import { requires } from '../auth/authorize-requests.ts';
import { parsePushEvent } from '../webhooks/parse-push-event.ts';
import { sameRepository } from '../webhooks/same-repository.ts';
import { verifySignature } from '../webhooks/verify-signature.ts';
import { redactRepoUrl } from '../git/repo-url.ts';
import { WEBHOOK_BODY_LIMIT_BYTES } from '../webhooks/webhook-body-limit.ts';
import { signatureHeader } from '../webhooks/webhook-headers.ts';
import type { ApiDeps } from './api-deps.ts';

export function webhookRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const unknownProjectSecret = randomBytes(32).toString('hex');
  // Its own scope: the signature is over the exact bytes, so JSON is parsed here, after the check.
  void app.register((hooks, _options, done) => {
    hooks.removeAllContentTypeParsers();
    hooks.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT_BYTES }, (_request, body, done) => done(null, body));

    hooks.post<{ Params: { project: string } }>('/api/v1/hooks/:project', notAudited('a push signed by the git host, nobody\'s request: the runs it starts are recorded as events', { bodyLimit: WEBHOOK_BODY_LIMIT_BYTES, ...requires('public') }), async (request, reply) => {
      const project = await deps.store.projects.getByName(request.params.project);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      // An unknown project answers like a bad signature, after the same HMAC work (with a secret
      // nobody knows), so neither the answer nor its timing reveals which projects exist.
      const signed = verifySignature(project?.webhookSecret ?? unknownProjectSecret, body, signatureHeader(request.headers));
      if (!project || !signed) {
        throw new AuthError('SLIPWAY_BAD_SIGNATURE', 'missing or wrong X-Hub-Signature-256 for this project');
      }
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString('utf8'));
      } catch {
        throw new InputError('SLIPWAY_INVALID_REQUEST', 'the webhook body is not JSON (set the content type to application/json)');
      }
      const event = parsePushEvent(request.headers, payload);
      const ignored = (why: string) => reply.code(202).send({ ignored: why } satisfies WebhookAnswer);
      if ('ignored' in event) return ignored(event.ignored);
      if (event.ref !== `refs/heads/${project.branch}`) return ignored(`a push to ${event.ref}, not to ${project.branch}`);
      if (!sameRepository(project.repoUrl, event.repoUrls)) return ignored(`a push to ${event.repoUrls.join(' ')}, not to ${redactRepoUrl(project.repoUrl)}`);
      // The trigger wakes the engine for the runs it creates.
      const runs = await deps.trigger.check(project, 'webhook');
      return reply.code(202).send({ runs: runs.map((r) => ({ number: r.number, sha: r.sha, version: r.version })) } satisfies WebhookAnswer);
    });
    done();
  });
}
