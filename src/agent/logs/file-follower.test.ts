// The file follower on real files: new files, rotation by rename, copytruncate, its own
// truncation, long and unfinished lines, and resuming after a restart at the stored position.
import { appendFileSync, closeSync, copyFileSync, mkdirSync, openSync, renameSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileFollower, rotatedKey, type FileFollowerOptions, type FilePosition, type FollowerSink } from './file-follower.ts';

let dir: string;
const followers: FileFollower[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slipway-follow-'));
  mkdirSync(path.join(dir, 'log'));
});
afterEach(async () => {
  await Promise.all(followers.splice(0).map((f) => f.close()));
  await rm(dir, { recursive: true, force: true });
});

/** A sink that keeps lines as "<file name>: <text>" and positions in a map, as the spool would. */
function memorySink(positions = new Map<string, FilePosition>()): FollowerSink & { got: string[]; positions: Map<string, FilePosition> } {
  const got: string[] = [];
  return {
    got,
    positions,
    lines: (key, file, lines) => {
      for (const line of lines) {
        got.push(`${path.basename(file)}: ${line.text}`);
        positions.set(key, line.position);
      }
    },
    position: (key) => positions.get(key),
    setPosition: (key, position) => (position ? positions.set(key, position) : positions.delete(key)),
    settle: () => Promise.resolve(),
  };
}

function follow(sink: FollowerSink, extra: Partial<FileFollowerOptions> = {}): FileFollower {
  const follower = new FileFollower({ patterns: [path.join(dir, 'log/*.log')], sink, pollMs: 60_000, drainPolls: 2, ...extra });
  followers.push(follower);
  return follower;
}

const file = (name: string) => path.join(dir, 'log', name);
const write = (name: string, ...lines: string[]) => appendFileSync(file(name), lines.map((l) => `${l}\n`).join(''));

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
}


describe('FileFollower', () => {
  it('reads files that appear after it started from their start, each line with the position after it', async () => {
    const sink = memorySink();
    const follower = follow(sink);
    await follower.poll();
    write('app.log', 'one', 'two');
    write('other.txt', 'not matched');
    await follower.poll();
    expect(sink.got).toEqual(['app.log: one', 'app.log: two']);
    expect(sink.positions.get(file('app.log'))?.offset).toBe(8);
  });

  it('reads a new line within moments of its writing, long before its next poll', async () => {
    const sink = memorySink();
    write('app.log', 'before');
    const follower = follow(sink, { fromStart: () => true });
    follower.start();
    await waitUntil(() => sink.got.length === 1);
    const written = Date.now();
    write('app.log', 'now');
    await waitUntil(() => sink.got.length === 2);
    expect(sink.got).toEqual(['app.log: before', 'app.log: now']);
    expect(Date.now() - written).toBeLessThan(1000); // the poll is a minute away
  });

  it('reads a file that existed before it started from its end, unless told to read it from its start', async () => {
    write('old.log', 'before');
    write('own.log', 'mine');
    const sink = memorySink();
    const follower = follow(sink, { fromStart: (p) => p.endsWith('own.log') });
    await follower.poll();
    write('old.log', 'after');
    await follower.poll();
    expect(sink.got).toEqual(['own.log: mine', 'old.log: after']);
  });

  it('waits for the end of an unfinished line, and cuts a runaway line', async () => {
    const sink = memorySink();
    const follower = follow(sink, { fromStart: () => true });
    appendFileSync(file('app.log'), 'half');
    await follower.poll();
    expect(sink.got).toEqual([]);
    appendFileSync(file('app.log'), ' and the rest\n');
    await follower.poll();
    appendFileSync(file('app.log'), `${'y'.repeat(20_000)}\nnext\n`);
    await follower.poll();
    expect(sink.got[0]).toBe('app.log: half and the rest');
    expect(sink.got[1]).toMatch(/^app\.log: y{16384} … \[line cut at 16 KiB\]$/);
    expect(sink.got[2]).toBe('app.log: next');
  });

  it('follows a rotation by rename and new file without losing a line, also those written to the old file before the writer reopens', async () => {
    const sink = memorySink();
    const follower = follow(sink);
    await follower.poll();
    const writer = openSync(file('app.log'), 'a');
    writeSync(writer, '1\n2\n');
    await follower.poll();
    writeSync(writer, '3\n');
    renameSync(file('app.log'), file('app.log.1'));
    // The writer has not reopened yet: it still writes to the renamed file.
    writeSync(writer, '4\n');
    write('app.log', '5', '6');
    await follower.poll();
    writeSync(writer, '4b\n');
    closeSync(writer);
    for (let i = 0; i < 4; i++) await follower.poll();
    write('app.log', '7');
    await follower.poll();
    expect(sink.got.map((l) => l.split(': ')[1])).toEqual(['1', '2', '3', '4', '5', '6', '4b', '7']);
    expect(sink.positions.has(rotatedKey(file('app.log')))).toBe(false);
  });

  it('reads a copytruncated file again from its start', async () => {
    const sink = memorySink();
    const follower = follow(sink, { fromStart: () => true });
    write('app.log', 'a', 'b');
    await follower.poll();
    copyFileSync(file('app.log'), file('app.log.1'));
    truncateSync(file('app.log'), 0);
    write('app.log', 'c');
    await follower.poll();
    expect(sink.got).toEqual(['app.log: a', 'app.log: b', 'app.log: c']);
  });

  it('empties its own file once everything in it is stored and it is past its size, and the writer goes on at its start', async () => {
    const sink = memorySink();
    const own = file('stdout.log');
    const follower = follow(sink, { fromStart: () => true, truncate: { paths: [own], overBytes: 100 } });
    const writer = openSync(own, 'a');
    for (let i = 1; i <= 30; i++) writeSync(writer, `line ${i}\n`);
    await follower.poll();
    expect(statSync(own).size).toBe(0);
    writeSync(writer, 'line 31\n');
    closeSync(writer);
    await follower.poll();
    expect(sink.got).toEqual(Array.from({ length: 31 }, (_, i) => `stdout.log: line ${i + 1}`));
    expect(sink.positions.get(own)?.offset).toBe(8);
  });

  it('resumes after a restart at the stored position, repeating and skipping nothing', async () => {
    const sink = memorySink();
    const first = follow(sink, { fromStart: () => true });
    write('app.log', 'a', 'b');
    await first.poll();
    await first.close();
    write('app.log', 'c', 'd');

    const again = memorySink(sink.positions);
    await follow(again).poll();
    expect([...sink.got, ...again.got]).toEqual(['app.log: a', 'app.log: b', 'app.log: c', 'app.log: d']);
  });

  it('after a restart finishes a file rotated while it was stopped, found by its identity, before the new one', async () => {
    const sink = memorySink();
    const first = follow(sink, { fromStart: () => true });
    write('app.log', 'a');
    await first.poll();
    await first.close();
    write('app.log', 'b');
    renameSync(file('app.log'), file('app.log.1'));
    write('app.log', 'c');

    const again = memorySink(sink.positions);
    const second = follow(again);
    await second.poll();
    expect(again.got).toEqual(['app.log: b', 'app.log: c']);
  });

  it('forgets a file that was removed, and reads one created again at its path from its start', async () => {
    const sink = memorySink();
    const follower = follow(sink, { fromStart: () => true });
    write('app.log', 'a');
    await follower.poll();
    await rm(file('app.log'));
    for (let i = 0; i < 3; i++) await follower.poll();
    expect(sink.positions.has(file('app.log'))).toBe(false);
    writeFileSync(file('app.log'), 'b\n');
    await follower.poll();
    expect(sink.got).toEqual(['app.log: a', 'app.log: b']);
  });

  describe('its timer', () => {
    const never = 60_000;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    it('polls slowly once the kernel watches every folder that matters, as a safety net for a lost event', async () => {
      const sink = memorySink();
      write('app.log', 'before');
      // Woken never: only the timer reads, at pollMs while unwatched, at watchedPollMs once watched.
      const follower = follow(sink, { fromStart: () => true, pollMs: 20, watchedPollMs: 400, wakeMs: never });
      follower.start();
      await waitUntil(() => sink.got.length === 1);
      await sleep(100);
      write('app.log', 'later');
      await sleep(150);
      expect(sink.got).toEqual(['app.log: before']); // no poll at pollMs any more
      await waitUntil(() => sink.got.length === 2);
      expect(sink.got).toEqual(['app.log: before', 'app.log: later']); // the safety net's poll
    });

    it('polls at pollMs where a folder cannot be watched (a wildcard in a folder name), searching the globs every fifth', async () => {
      const sink = memorySink();
      mkdirSync(path.join(dir, 'log', 'a'));
      const follower = follow(sink, { patterns: [path.join(dir, 'log/*/app.log')], fromStart: () => true, pollMs: 20, watchedPollMs: never, wakeMs: never });
      follower.start();
      await follower.poll();
      write('a/app.log', 'found');
      await waitUntil(() => sink.got.length === 1);
      write('a/app.log', 'read');
      await waitUntil(() => sink.got.length === 2);
      expect(sink.got).toEqual(['app.log: found', 'app.log: read']);
    });

    it('is woken in a logs folder removed and made again (even with the same inode)', async () => {
      const sink = memorySink();
      const follower = follow(sink, { patterns: [file('app.log')], fromStart: () => true, pollMs: never, watchedPollMs: never });
      follower.start();
      await follower.poll();
      rmSync(path.join(dir, 'log'), { recursive: true });
      mkdirSync(path.join(dir, 'log'));
      await sleep(100); // the folder's removal wakes it: it watches the new folder
      write('app.log', 'after');
      await waitUntil(() => sink.got.length === 1);
      expect(sink.got).toEqual(['app.log: after']);
    });

    it('finds a new file matching a glob soon after it appears, woken, without a timer poll', async () => {
      const sink = memorySink();
      const follower = follow(sink, { pollMs: 20, watchedPollMs: never });
      follower.start();
      await follower.poll(); // the globs were just searched: the next wake comes before they are due
      write('new.log', 'first');
      await waitUntil(() => sink.got.length === 1);
      expect(sink.got).toEqual(['new.log: first']);
    });

    it('is woken by writes to the file a followed symlink points to, in another folder', async () => {
      const sink = memorySink();
      mkdirSync(path.join(dir, 'elsewhere'));
      writeFileSync(path.join(dir, 'elsewhere', 'real.log'), '');
      symlinkSync(path.join(dir, 'elsewhere', 'real.log'), file('app.log'));
      const follower = follow(sink, { fromStart: () => true, pollMs: never, watchedPollMs: never });
      follower.start();
      await follower.poll();
      appendFileSync(path.join(dir, 'elsewhere', 'real.log'), 'through the link\n');
      await waitUntil(() => sink.got.length === 1);
      expect(sink.got).toEqual(['app.log: through the link']);
    });

    it('polls at pollMs again while a rotated file is being finished', async () => {
      const sink = memorySink();
      write('app.log', 'a');
      const follower = follow(sink, { fromStart: () => true, pollMs: 20, watchedPollMs: never, wakeMs: never, drainPolls: 1_000 });
      follower.start();
      await follower.poll();
      renameSync(file('app.log'), file('app.log.1'));
      write('app.log', 'new');
      await follower.poll(); // sees the rotation: app.log.1 is being finished
      write('app.log.1', 'late');
      await waitUntil(() => sink.got.length === 3);
      expect(sink.got).toEqual(['app.log: a', 'app.log: new', 'app.log: late']);
    });
  });
});
