// The on-disk spool with real files and a real SIGKILLed writer: numbering across restarts,
// acknowledgements, a half-written record after a crash, checkpoints, and the disk limit.
import { spawn } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogLineIn } from '../../core/protocol/messages.ts';
import { LogSpool, type LogSpoolOptions } from './log-spool.ts';

let dir: string;
const open: LogSpool[] = [];

beforeEach(async () => {
  dir = path.join(await mkdtemp(path.join(tmpdir(), 'slipway-spool-')), 'spool');
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  await rm(path.dirname(dir), { recursive: true, force: true });
});

async function openSpool(options: Partial<LogSpoolOptions> = {}): Promise<LogSpool> {
  const spool = await LogSpool.open({ dir, flushMs: 60_000, ...options });
  open.push(spool);
  return spool;
}

async function closeSpool(spool: LogSpool): Promise<void> {
  open.splice(open.indexOf(spool), 1);
  await spool.close();
}

const line = (text: string) => ({ at: 1000, stream: 'app', app: 'hello', text });

async function readAll(spool: LogSpool, after = 0): Promise<LogLineIn[]> {
  const all: LogLineIn[] = [];
  for (let batch = await spool.read(after, 1000); batch.length > 0; batch = await spool.read(all.at(-1)!.seq, 1000)) all.push(...batch);
  return all;
}

const segments = () => readdirSync(dir).filter((f) => f.endsWith('.seg')).sort();

describe('LogSpool', () => {
  it('masks secrets in a line before it reaches the disk, so no value leaves the host in a line', async () => {
    const spool = await openSpool({ mask: (text) => text.replaceAll('hunter2-secret', '***') });
    spool.push(line('password is hunter2-secret'));
    await spool.flush();
    expect(await spool.read(0, 10)).toEqual([{ seq: 1, ...line('password is ***') }]);
    const onDisk = segments().map((f) => readFileSync(path.join(dir, f), 'utf8')).join('');
    expect(onDisk).toContain('password is ***');
    expect(onDisk).not.toContain('hunter2');
  });

  it('numbers lines from 1 and hands them out only once they are on disk', async () => {
    const spool = await openSpool();
    expect([spool.push(line('a')), spool.push(line('b'))]).toEqual([1, 2]);
    expect(await spool.read(0, 10)).toEqual([]);
    await spool.flush();
    expect(await spool.read(0, 10)).toEqual([{ seq: 1, ...line('a') }, { seq: 2, ...line('b') }]);
    expect(spool.durableSeq).toBe(2);
  });

  it('goes on numbering after a restart and hands out again what the server did not acknowledge', async () => {
    const first = await openSpool();
    for (const text of ['a', 'b', 'c']) first.push(line(text));
    first.acknowledge(1);
    await closeSpool(first);

    const second = await openSpool();
    expect(second.acked).toBe(1);
    expect(second.push(line('d'))).toBe(4);
    await second.flush();
    expect((await readAll(second, second.acked)).map((l) => `${l.seq}${l.text}`)).toEqual(['2b', '3c', '4d']);
  });

  it('deletes segments once every line in them is acknowledged, and keeps the newest', async () => {
    const spool = await openSpool({ segmentBytes: 4096 });
    for (let i = 1; i <= 300; i++) {
      spool.push(line(`line ${i} ${'x'.repeat(40)}`));
      if (i % 20 === 0) await spool.flush();
    }
    await spool.flush();
    const before = segments();
    expect(before.length).toBeGreaterThan(3);
    spool.acknowledge(300);
    await expect.poll(() => segments()).toEqual([before.at(-1)]);
    expect(await spool.read(300, 10)).toEqual([]);
  });

  it('cuts the record a crash left half written and numbers on from the last whole line', async () => {
    const crashed = await openSpool();
    for (const text of ['a', 'b', 'c']) crashed.push(line(text));
    await crashed.flush();
    appendFileSync(path.join(dir, segments().at(-1)!), '{"seq":4,"at":1000,"stream":"app","te');

    const warnings: string[] = [];
    const spool = await openSpool({ onWarning: (w) => warnings.push(w) });
    expect(warnings.join('\n')).toMatch(/cut \d+ bytes of a record a crash left half written/);
    expect((await readAll(spool)).map((l) => l.text)).toEqual(['a', 'b', 'c']);
    expect(spool.push(line('d'))).toBe(4);
    await spool.flush();
    expect((await readAll(spool)).map((l) => `${l.seq}${l.text}`)).toEqual(['1a', '2b', '3c', '4d']);
  });

  it('loses no line that reached the disk and gives no seq twice when its writer is SIGKILLed mid-stream', async () => {
    const script = `
      import { LogSpool } from ${JSON.stringify(path.join(import.meta.dirname, 'log-spool.ts'))};
      const spool = await LogSpool.open({ dir: ${JSON.stringify(dir)}, flushMs: 2, segmentBytes: 8192 });
      spool.onDurable(() => console.log('durable ' + spool.durableSeq));
      let i = 0;
      setInterval(() => { for (let n = 0; n < 50; n++) { i += 1; spool.push({ at: i, stream: 'app', text: 'line ' + i }); } }, 1);`;
    const writer = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '../../..'), stdio: ['ignore', 'pipe', 'inherit'] });
    let durable = 0;
    writer.stdout.on('data', (chunk: Buffer) => {
      for (const m of chunk.toString().matchAll(/durable (\d+)/g)) durable = Math.max(durable, Number(m[1]));
    });
    await expect.poll(() => durable, { timeout: 20_000 }).toBeGreaterThan(3000);
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.once('exit', resolve));

    const spool = await openSpool();
    const lines = await readAll(spool);
    expect(lines.length).toBeGreaterThanOrEqual(durable);
    expect(lines.every((l, i) => l.seq === i + 1 && l.text === `line ${i + 1}`)).toBe(true);
    expect(spool.push(line('after'))).toBe(lines.length + 1);
  });

  it('keeps the checkpoints stored with lines across segments and restarts, and forgets a key when told', async () => {
    const first = await openSpool({ segmentBytes: 4096 });
    first.push(line('from a'), { key: 'a', value: { offset: 10 } });
    for (let i = 0; i < 200; i++) first.push(line(`from b ${i} ${'x'.repeat(40)}`), { key: 'b', value: { offset: i } });
    first.setCheckpoint('c', { offset: 1 });
    first.setCheckpoint('c', null);
    expect(first.checkpoint('b')).toEqual({ offset: 199 });
    await closeSpool(first);
    expect(segments().length).toBeGreaterThan(1);

    const second = await openSpool();
    expect([second.checkpoint('a'), second.checkpoint('b'), second.checkpoint('c')]).toEqual([{ offset: 10 }, { offset: 199 }, undefined]);
    // Checkpoints travel with lines on disk, never to the server.
    expect((await second.read(0, 1))[0]).toEqual({ seq: 1, ...line('from a') });
  });

  it('drops the oldest unacknowledged lines past its disk limit and says so in a warning line', async () => {
    const warnings: string[] = [];
    const spool = await openSpool({ maxBytes: 16 * 1024, onWarning: (w) => warnings.push(w) });
    for (let i = 1; i <= 1000; i++) {
      spool.push(line(`line ${i} ${'x'.repeat(60)}`));
      if (i % 10 === 0) await spool.flush();
    }
    await spool.flush();
    expect(spool.stats().bytes).toBeLessThanOrEqual(16 * 1024 + 4096);
    const lines = await readAll(spool);
    const notes = lines.filter((l) => l.stream === 'agent');
    expect(notes.length).toBeGreaterThan(0);
    expect(notes[0]).toMatchObject({ level: 'warn', text: expect.stringMatching(/^\[slipway\] \d+ log lines were dropped \(seq \d+-\d+\): the spool reached its limit of 16 KiB/) as string });
    expect(warnings).toContain(notes[0]!.text);
    // What is left is the newest lines, in order with no hole among them.
    expect(lines.every((l, i) => i === 0 || l.seq === lines[i - 1]!.seq + 1)).toBe(true);
    const kept = lines.filter((l) => l.stream === 'app').map((l) => Number(/^line (\d+)/.exec(l.text)![1]));
    expect(kept.at(-1)).toBe(1000);
    expect(kept.every((n, i) => i === 0 || n === kept[i - 1]! + 1)).toBe(true);
  });
});
