import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { secureAgentRoot } from './secure-agent-root.ts';

let tmp: string;
beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'slipway-agent-root-'));
});
afterEach(() => rm(tmp, { recursive: true, force: true }));

const mode = async (path: string) => (await stat(path)).mode & 0o777;

describe('secureAgentRoot', () => {
  it('makes an existing world-readable root, its token, spool and app state private, and leaves a release as it is', async () => {
    const root = join(tmp, 'agent');
    await mkdir(join(root, 'spool'), { recursive: true, mode: 0o755 });
    await mkdir(join(root, 'apps', 'hello', 'releases', 'v1'), { recursive: true, mode: 0o755 });
    await chmod(root, 0o755);
    await writeFile(join(root, 'agent.json'), '{"token":"x"}', { mode: 0o644 });
    await writeFile(join(root, 'spool', '000001.seg'), 'lines', { mode: 0o644 });
    await writeFile(join(root, 'apps', 'hello', 'state.json'), '{}', { mode: 0o644 });
    await writeFile(join(root, 'apps', 'hello', 'releases', 'v1', 'server'), '#!/bin/sh', { mode: 0o755 });

    await secureAgentRoot(root);

    expect(await mode(root)).toBe(0o700);
    expect(await mode(join(root, 'agent.json'))).toBe(0o600);
    expect(await mode(join(root, 'spool'))).toBe(0o700);
    expect(await mode(join(root, 'spool', '000001.seg'))).toBe(0o600);
    expect(await mode(join(root, 'apps'))).toBe(0o700);
    expect(await mode(join(root, 'apps', 'hello', 'state.json'))).toBe(0o600);
    expect(await mode(join(root, 'apps', 'hello', 'releases'))).toBe(0o700);
    expect(await mode(join(root, 'apps', 'hello', 'releases', 'v1', 'server'))).toBe(0o755);
  });

  it('creates a missing root with mode 0700, its parents with the usual modes', async () => {
    await secureAgentRoot(join(tmp, 'new', 'agent'));
    expect(await mode(join(tmp, 'new', 'agent'))).toBe(0o700);
    expect(await mode(join(tmp, 'new'))).toBe(0o777 & ~process.umask());
  });
});
