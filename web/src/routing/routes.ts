// The UI's addresses: which page a path shows, and the path of each page.

export type Route =
  | { page: 'overview' }
  | { page: 'run'; project: string; number: number }
  | { page: 'hosts' }
  | { page: 'logs' }
  | { page: 'audit' }
  | { page: 'not-found' };

/** The page a location's path names. */
export function matchRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  if (path === '/') return { page: 'overview' };
  if (path === '/hosts') return { page: 'hosts' };
  if (path === '/logs') return { page: 'logs' };
  if (path === '/audit') return { page: 'audit' };
  const run = /^\/projects\/([^/]+)\/runs\/(\d{1,9})$/.exec(path);
  if (run) {
    try {
      return { page: 'run', project: decodeURIComponent(run[1]!), number: Number(run[2]) };
    } catch {
      return { page: 'not-found' };
    }
  }
  return { page: 'not-found' };
}

export const paths = {
  overview: () => '/',
  run: (project: string, number: number) => `/projects/${encodeURIComponent(project)}/runs/${number}`,
  hosts: () => '/hosts',
  audit: () => '/audit',
  logs: (filters: Record<string, string | undefined> = {}) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    const query = params.toString();
    return query ? `/logs?${query}` : '/logs';
  },
};
