// The shipper over a real spool: batches in order, a window ahead of the acknowledgements, and
// everything after the last acknowledgement sent again after a reconnect.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOG_MESSAGE_TARGET_CHARS } from '../../core/protocol/log-message.ts';
import type { LogLineIn } from '../../core/protocol/messages.ts';
import { LogSpool } from '../spool/log-spool.ts';
import { LogShipper } from './log-shipper.ts';

let dir: string;
let spool: LogSpool;
let shipper: LogShipper;
let batches: LogLineIn[][];
let online: boolean;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-shipper-'));
  spool = await LogSpool.open({ dir, flushMs: 60_000 });
  batches = [];
  online = true;
  shipper = new LogShipper({ spool, maxBatch: 100, window: 250, send: (lines) => online && batches.push(lines) > 0 });
});
afterEach(async () => {
  shipper.close();
  await spool.close();
  await rm(dir, { recursive: true, force: true });
});

async function pushLines(from: number, to: number): Promise<void> {
  for (let i = from; i <= to; i++) spool.push({ at: i, stream: 'app', text: `line ${i}` });
  await spool.flush();
  await shipper.idle();
}

const sent = () => batches.flat().map((l) => l.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('LogShipper', () => {
  it('sends durable lines in order, in batches, no further than its window ahead of the acknowledgements', async () => {
    shipper.connected();
    await pushLines(1, 400);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(sent()).toEqual(range(1, 250));
    shipper.acknowledge(200);
    await shipper.idle();
    expect(sent()).toEqual(range(1, 400));
  });

  it('cuts what it read into messages the server decodes cheaply, in order, and stops at the first that cannot be sent', async () => {
    shipper.connected();
    const long = 'x'.repeat(10_000);
    for (let i = 1; i <= 20; i++) spool.push({ at: i, stream: 'app', text: `${i} ${long}` });
    await spool.flush();
    await shipper.idle();
    expect(sent()).toEqual(range(1, 20));
    expect(batches.length).toBeGreaterThan(1);
    for (const batch of batches) expect(JSON.stringify({ type: 'log', lines: batch }).length).toBeLessThanOrEqual(LOG_MESSAGE_TARGET_CHARS);

    // The connection drops after the first message of a read: the rest waits for the next connection.
    shipper.acknowledge(20);
    await shipper.idle();
    shipper.close();
    let allowed = 1;
    const before = batches.length;
    const fail = new LogShipper({ spool, maxBatch: 100, window: 250, send: (lines) => allowed-- > 0 && batches.push(lines) > 0 });
    for (let i = 21; i <= 40; i++) spool.push({ at: i, stream: 'app', text: `${i} ${long}` });
    await spool.flush();
    fail.connected();
    await fail.idle();
    fail.close();
    const first = batches[before]!;
    expect(batches.length).toBe(before + 1);
    expect(first[0]!.seq).toBe(21);
    expect(first.length).toBeLessThan(20);
  });

  it('sends nothing while disconnected, and after a reconnect everything after the last acknowledgement', async () => {
    shipper.connected();
    await pushLines(1, 50);
    shipper.acknowledge(20);
    shipper.disconnected();
    online = false;
    await pushLines(51, 60);
    expect(sent()).toEqual(range(1, 50));

    online = true;
    batches = [];
    shipper.connected();
    await shipper.idle();
    expect(sent()).toEqual(range(21, 60));
  });

  it('notices a send that fails and starts over from the acknowledgement on the next connection', async () => {
    shipper.connected();
    online = false;
    await pushLines(1, 10);
    expect(batches).toEqual([]);
    online = true;
    await pushLines(11, 12);
    expect(batches).toEqual([]);
    shipper.connected();
    await shipper.idle();
    expect(sent()).toEqual(range(1, 12));
  });
});
