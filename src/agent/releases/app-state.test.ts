import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appPaths } from './app-paths.ts';
import { readAppState } from './app-state.ts';

const run = { command: 'node server.js', port: 3000, healthPath: '/health', healthTimeoutMs: 5000, stopTimeoutMs: 5000 };

describe('readAppState', () => {
  const roots: string[] = [];
  afterEach(() => {
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  });

  function writeState(content: string): string {
    const root = mkdtempSync(path.join(tmpdir(), 'slipway-app-state-'));
    roots.push(root);
    const paths = appPaths(root, 'hello');
    mkdirSync(paths.appDir, { recursive: true });
    writeFileSync(paths.stateFile, content);
    return root;
  }

  it('keeps what it can read of a state.json where one field or one run spec is damaged', () => {
    const root = writeState(JSON.stringify({
      current: '2-bbbbbbb', previous: '1-aaaaaaa', env: 'production', runId: 'run-2', deploymentId: null, logs: [],
      history: [{ version: '1-aaaaaaa', at: 1 }, { version: '2-bbbbbbb', at: 2 }],
      runSpecs: { '2-bbbbbbb': run, '1-aaaaaaa': { ...run, port: 0 } },
      pid: -4, pidStartTime: null, pidInstance: null, switching: 'garbage',
    }));
    expect(readAppState(root, 'hello')).toMatchObject({
      current: '2-bbbbbbb', previous: '1-aaaaaaa', env: 'production', runId: 'run-2',
      history: [{ version: '1-aaaaaaa', at: 1 }, { version: '2-bbbbbbb', at: 2 }],
      runSpecs: { '2-bbbbbbb': run }, pid: null, switching: null,
    });
  });

  it('reads a state.json that is not JSON, or not an object, as the empty state', () => {
    for (const content of ['{"current": "2-b', '[1, 2]', 'null', '"text"']) {
      expect(readAppState(writeState(content), 'hello'), content).toMatchObject({ current: null, runSpecs: {}, switching: null });
    }
  });
});
