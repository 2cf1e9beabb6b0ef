// Projects: register a repository, list them, and what each environment runs.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseDuration } from '../../base/duration.ts';
import { newToken } from '../../base/ids.ts';
import { can } from '../../core/access/permissions.ts';
import type { ProjectAnswer } from '../../core/api/answers.ts';
import type { Project } from '../../core/model.ts';
import { InputError } from '../../base/errors.ts';
import { checkRepoUrl, isLocalRepoUrl, redactRepoUrl } from '../git/repo-url.ts';
import { projectStatus } from './project-status.ts';
import { audited, auditRequest } from '../auth/audit-requests.ts';
import { projectScope, requires, requiresSome } from '../auth/authorize-requests.ts';
import { visibleProjects } from '../auth/visible-projects.ts';
import type { ApiDeps } from './api-deps.ts';
import { parseInput } from './parse-input.ts';
import { findProject } from './project-lookup.ts';
import { projectView } from './project-view.ts';

const newProjectBody = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{0,62}$/, 'expected a lowercase name of letters, digits and "-"'),
  repo: z.string().min(1).refine((url) => checkRepoUrl(url) === undefined, { message: 'expected a git repository URL or an absolute path' }),
  branch: z.string().regex(/^[A-Za-z0-9._/-]{1,200}$/, 'expected a branch name').default('main'),
  poll: z.string().refine((d) => (parseDuration(d) ?? 0) >= 1000, { message: 'expected a duration of at least 1s, like "10s"' }).default('10s'),
  webhookSecret: z.string().min(16).optional(),
});

export function projectRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const { store } = deps;
  const read = requires('project.read', projectScope);

  app.post('/api/v1/projects', audited('project.add', requires('project.create')), async (request, reply) => {
    const body = parseInput(newProjectBody, request.body, 'project');
    if (!deps.allowLocalRepos && isLocalRepoUrl(body.repo)) {
      throw new InputError('SLIPWAY_LOCAL_REPO_REFUSED',
        'the repository is on the server itself (a path, a file: URL, or a loopback or link-local host); such projects are allowed only when the server runs with --allow-local-repos');
    }
    const project = await deps.events.transaction(async (tx) => {
      const created = await tx.store.projects.create({
        name: body.name, repoUrl: body.repo, branch: body.branch, pollIntervalMs: parseDuration(body.poll)!,
        webhookSecret: body.webhookSecret ?? newToken('swh'),
      }, deps.clock.now());
      await tx.emit('project.added', `project ${created.name} added for ${redactRepoUrl(body.repo)} (${body.branch})`, { projectId: created.id, actor: request.principal.name });
      // Never the webhook secret.
      await auditRequest(tx, request, {
        target: `project:${created.name}`, project: created.name,
        after: { repo: redactRepoUrl(created.repoUrl), branch: created.branch, pollIntervalMs: created.pollIntervalMs },
      });
      return created;
    });
    // No check here: the poller looks at a project it has not seen yet on its next round (within
    // a second), which is the one initial check. Checking here as well fetched twice, so a commit
    // pushed in that second got a poll run even with poll: 1h, and the floating promise could
    // crash the server on a store error.
    return reply.code(201).send({ ...showProject(project), webhookSecret: project.webhookSecret });
  });

  // The projects the caller reads (all, or those its grants name).
  app.get('/api/v1/projects', requiresSome('project.read'), async (request) => (await visibleProjects(store, request)).projects.map(showProject));

  // The webhook secret only to who manages the project's secrets (an admin setting up the hook again).
  app.get<{ Params: { name: string } }>('/api/v1/projects/:name', read, async (request) => {
    const project = await findProject(store, request.params.name);
    const admin = can(request.principal, 'secret.manage', { project: project.name });
    return admin ? { ...showProject(project), webhookSecret: project.webhookSecret } : showProject(project);
  });

  app.get<{ Params: { name: string } }>('/api/v1/projects/:name/status', read, async (request) => projectStatus(store, await findProject(store, request.params.name)));

  app.get<{ Params: { name: string } }>('/api/v1/projects/:name/versions', read, async (request) => {
    const project = await findProject(store, request.params.name);
    return store.artifacts.list(project.id, 100);
  });
}

function showProject(project: Project): ProjectAnswer {
  return { ...projectView(project), webhookPath: `/api/v1/hooks/${project.name}` };
}
