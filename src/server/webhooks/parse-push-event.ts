// Reads a push webhook from GitHub or Gitea (and Forgejo, Gogs: Gitea's payload) into the
// branch, the new head and the repository URLs to match against projects.
import { z } from 'zod';
import { headerValue, type WebhookHeaders } from './webhook-headers.ts';

export type PushEvent = { ref: string; after: string; repoUrls: string[] };
export type ParsedWebhook = PushEvent | { ignored: string };

const urlField = z.string().nullish();
const pushPayload = z.object({
  ref: z.string(),
  after: z.string(),
  deleted: z.boolean().nullish(),
  repository: z.object({
    clone_url: urlField,
    ssh_url: urlField,
    git_url: urlField,
    html_url: urlField,
    url: urlField,
  }),
});

const giteaEventHeaders = ['x-gitea-event', 'x-forgejo-event', 'x-gogs-event'];
const zeroSha = '0'.repeat(40);

/**
 * The push the request announces, or `{ ignored: reason }` for anything that should not start
 * a run: a ping, another kind of event, a tag push, a branch deletion (after = 000…0), a request
 * from no known forge, or a payload without the fields a push has. Gitea's headers win over the
 * X-GitHub-Event that Gitea also sends. `after` comes back lowercase; `ref` in full
 * (`refs/heads/main`). Call it only after verifySignature accepted the request.
 */
export function parsePushEvent(headers: WebhookHeaders, body: unknown): ParsedWebhook {
  const giteaEvent = giteaEventHeaders.map((name) => headerValue(headers, name)).find((v) => v !== undefined);
  const githubEvent = headerValue(headers, 'x-github-event');
  const event = giteaEvent ?? githubEvent;
  if (event === undefined) return { ignored: 'not a GitHub or Gitea webhook (no X-GitHub-Event or X-Gitea-Event header)' };
  if (event === 'ping') return { ignored: 'ping' };
  if (event !== 'push') return { ignored: `"${event}" events do not start runs, only "push"` };

  const parsed = pushPayload.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ignored: `not a push payload: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}` };
  }
  const { ref, deleted, repository } = parsed.data;
  const after = parsed.data.after.toLowerCase();
  if (!ref.startsWith('refs/heads/') || ref === 'refs/heads/') return { ignored: `not a branch push (${ref})` };
  if (deleted === true || after === zeroSha) return { ignored: `branch deleted (${ref})` };
  if (!/^[0-9a-f]{40}$/.test(after)) return { ignored: `not a push payload: after: not a commit sha` };

  const candidates = [repository.clone_url, repository.ssh_url, repository.git_url, repository.html_url, repository.url];
  const repoUrls = [...new Set(candidates.filter((u): u is string => typeof u === 'string' && u !== ''))];
  if (repoUrls.length === 0) return { ignored: 'the payload names no repository URL' };
  return { ref, after, repoUrls };
}
