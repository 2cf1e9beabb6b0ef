import { describe, expect, it } from 'vitest';
import { matchRoute, paths } from './routes.ts';

describe('routes', () => {
  it('maps each page path to its page', () => {
    expect(matchRoute('/')).toEqual({ page: 'overview' });
    expect(matchRoute('/hosts/')).toEqual({ page: 'hosts' });
    expect(matchRoute('/logs')).toEqual({ page: 'logs' });
    expect(matchRoute(paths.audit())).toEqual({ page: 'audit' });
    expect(matchRoute('/projects/hello/runs/12')).toEqual({ page: 'run', project: 'hello', number: 12 });
    expect(matchRoute('/projects/hello/runs/x')).toEqual({ page: 'not-found' });
    expect(matchRoute('/projects/%E0%A4%A/runs/1')).toEqual({ page: 'not-found' });
  });

  it('builds paths that match back to their page', () => {
    expect(matchRoute(paths.run('my-app', 3))).toEqual({ page: 'run', project: 'my-app', number: 3 });
    expect(paths.logs({ q: 'disk full', host: 'web-1', env: undefined })).toBe('/logs?q=disk+full&host=web-1');
    expect(paths.logs()).toBe('/logs');
  });
});
