// Decides whether a URL from a webhook payload names a project's repository, whatever form
// each side wrote it in (https or ssh, with or without ".git", user names, ports).

/**
 * True when `projectUrl` and one of `repoUrls` name the same repository: both reduce to the
 * same lowercase `host/path`, ignoring scheme, user and password, port, a trailing "/" and a
 * ".git" suffix. So `git@github.com:Team/App.git` matches `https://github.com/team/app`.
 */
export function sameRepository(projectUrl: string, repoUrls: readonly string[]): boolean {
  const wanted = repositoryKey(projectUrl);
  return wanted !== undefined && repoUrls.some((url) => repositoryKey(url) === wanted);
}

function repositoryKey(url: string): string | undefined {
  let host: string;
  let path: string;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url);
  if (scheme) {
    try {
      const parsed = new URL(url);
      host = parsed.hostname;
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return undefined;
    }
  } else {
    const scp = /^(?:[^@/]+@)?([^:/]+):(.+)$/.exec(url);
    if (scp) [host, path] = [scp[1]!, scp[2]!];
    else if (url.startsWith('/')) [host, path] = ['', url];
    else return undefined;
  }
  const cleaned = path.replace(/\/+$/, '').replace(/\.git$/i, '').replace(/^\/+/, '');
  return cleaned === '' ? undefined : `${host.toLowerCase()}/${cleaned.toLowerCase()}`;
}
