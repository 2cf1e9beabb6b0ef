// A page for the browser test of the log list at scale: the real LogView and LogBuffer holding a
// million lines (made here, with ANSI colours and HTML among them), so that a test can scroll it
// and time every frame. Not part of the UI's build.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { LogLine } from '../../src/core/model.ts';
import { LogBuffer } from '../src/logs/log-buffer.ts';
import { LogView } from '../src/logs/log-view.tsx';
import type { LogFeed } from '../src/logs/use-log-feed.ts';
import '../src/styles/base.css';
import '../src/styles/components.css';
import '../src/styles/logs.css';

const count = Number(new URLSearchParams(location.search).get('lines') ?? 1_000_000);
const hosts = ['web-1', 'web-2', 'web-3', 'db-1', 'server'];
const texts = [
  'GET /api/orders 200 12ms',
  '\u001b[32mINFO\u001b[0m cache warmed in 41ms',
  '\u001b[1;31mERROR\u001b[0m upstream timed out after 30s',
  'markup <img src=x onerror=alert(1)> stays text',
  'worker 7 picked job 88121 (attempt 1)',
];

const started = performance.now();
const lines: LogLine[] = new Array<LogLine>(count);
const t0 = Date.now() - count;
for (let i = 0; i < count; i++) {
  const host = hosts[i % hosts.length]!;
  lines[i] = {
    id: i + 1, at: t0 + i, source: host, seq: i, host, app: 'shop', env: 'production', stream: 'app',
    level: i % 5 === 2 ? 'error' : null, runId: null, deploymentId: null, text: `#${i + 1} ${texts[i % texts.length]!}`,
  };
}
const buffer = new LogBuffer(count);
buffer.add(lines);
const fillMs = performance.now() - started;

const feed: LogFeed = {
  buffer, version: 1, loading: false, error: undefined, hasOlder: false, loadingOlder: false, loadOlder: () => Promise.resolve(0), tail: 'off',
};

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <main className="page">
      <div className="card log-pane tall">
        <LogView feed={feed} label="A million lines" emptyText="" />
      </div>
    </main>
  </StrictMode>,
);

(window as unknown as { millionLines: { count: number; fillMs: number } }).millionLines = { count: buffer.length, fillMs };
