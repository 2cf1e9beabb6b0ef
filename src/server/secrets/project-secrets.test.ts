import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Command, JobSpec } from '../../core/protocol/messages.ts';
import { addProject } from '../../storage/contract/fixtures.ts';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.ts';
import type { Store } from '../../storage/store.ts';
import { ProjectSecrets } from './project-secrets.ts';
import { SecretCipher } from './secret-cipher.ts';

describe('ProjectSecrets', () => {
  let dir: string;
  let store: Store;
  let secrets: ProjectSecrets;
  let projectId: string;

  const set = async (name: string, value: string, env: string | null, build = false) => {
    const address = { projectId, env, name };
    await store.secrets.put({ ...address, build, ciphertext: secrets.seal(value, address) }, 1);
  };
  const job = (kind: JobSpec['kind'], env: Record<string, string> = {}, project = 'hello'): Command => ({
    kind: 'job',
    job: { jobId: 'j1', runId: 'r1', deploymentId: null, kind, project, sha: 'abc', version: '1-0123456', sourcePath: '/s', steps: [], artifactPaths: [], env },
  });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'slipway-project-secrets-'));
    store = await openSqliteStore(join(dir, 'slipway.db'));
    secrets = new ProjectSecrets({ store, cipher: new SecretCipher(randomBytes(32)), log: pino({ level: 'silent' }) });
    projectId = (await addProject(store)).id;
    await set('SHARED', 'project-wide-value', null);
    await set('NPM_TOKEN', 'npm-token-value', null, true);
    await set('DB_URL', 'testing-db-url', 'testing');
    await set('SHARED', 'production-override', 'production');
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a build job only the secrets marked --build', async () => {
    expect(await secrets.forCommand(job('build'))).toEqual({ NPM_TOKEN: 'npm-token-value' });
  });

  it('gives a verify job its environment\'s secrets and the project-wide ones, the environment\'s winning', async () => {
    expect(await secrets.forCommand(job('verify', { SLIPWAY_ENV: 'testing' }))).toEqual({
      SHARED: 'project-wide-value', NPM_TOKEN: 'npm-token-value', DB_URL: 'testing-db-url',
    });
    expect(await secrets.forCommand(job('verify', { SLIPWAY_ENV: 'production' }))).toEqual({
      SHARED: 'production-override', NPM_TOKEN: 'npm-token-value',
    });
  });

  it('gives no secret to a command that starts no process of the project', async () => {
    expect(await secrets.forCommand({ kind: 'deactivate', app: 'hello' })).toEqual({});
    expect(await secrets.forCommand(job('build', {}, 'other'))).toEqual({});
  });

  it('masks every value after a refresh, in text and in an agent\'s result', async () => {
    expect(secrets.mask('testing-db-url')).toBe('testing-db-url');
    await secrets.refresh();
    expect(secrets.mask('url=testing-db-url token=npm-token-value')).toBe('url=*** token=***');
    expect(secrets.maskResult({ ok: false, error: 'failed with production-override', logTail: ['project-wide-value'] }))
      .toEqual({ ok: false, error: 'failed with ***', logTail: ['***'] });
  });

  it('leaves out a secret it cannot open (sealed with another key) instead of failing the command', async () => {
    const other = new SecretCipher(randomBytes(32));
    await store.secrets.put({ projectId, env: null, name: 'FOREIGN', build: true, ciphertext: other.seal('x-foreign', { projectId, env: null, name: 'FOREIGN' }) }, 1);
    expect(await secrets.forCommand(job('build'))).toEqual({ NPM_TOKEN: 'npm-token-value' });
  });
});
