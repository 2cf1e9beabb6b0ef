// A project as any of its readers sees it in an answer: see ProjectView.
import type { ProjectView } from '../../core/api/answers.ts';
import type { Project } from '../../core/model.ts';
import { redactRepoUrl } from '../git/repo-url.ts';

/** The project without its webhook secret, its repository URL's credentials replaced by "***". */
export function projectView(project: Project): ProjectView {
  const { webhookSecret: _secret, ...view } = project;
  return { ...view, repoUrl: redactRepoUrl(project.repoUrl) };
}
