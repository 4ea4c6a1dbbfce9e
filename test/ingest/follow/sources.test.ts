import { appendFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import type { DirWatcherFactory } from '../../../src/ingest/follow/wake.js';
import { openStdinSource } from '../../../src/ingest/stdin.js';
import { Collector, follow, lines, range, tempDir, waitFor, waitForLines } from './helpers.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function track(c: Collector): Collector {
  cleanups.push(async () => {
    await c.source.close();
    await c.finished;
  });
  return c;
}

function dir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

describe('several files, stdin, polling, flow control, close', () => {
  it('follows several files at once, each line tagged with its file', async () => {
    const d1 = dir();
    const d2 = dir();
    const a = join(d1, 'audit.log');
    const b = join(d2, 'audit.log');
    writeFileSync(a, '');
    writeFileSync(b, '');
    const c = track(follow([a, b]));
    for (let n = 1; n <= 200; n += 10) {
      appendFileSync(a, lines(n, n + 9, 'a'));
      appendFileSync(b, lines(n, n + 9, 'b'));
      if (n % 50 === 1) await new Promise((r) => setImmediate(r));
    }
    await waitFor(() => c.lines.length >= 400, '400 lines');
    expect(c.numbers(a)).toEqual(range(1, 200));
    expect(c.numbers(b)).toEqual(range(1, 200));
    expect(c.lines.filter((l) => l.source === a).every((l) => l.line.includes('"tag":"a"'))).toBe(true);
    expect(c.source.name).toBe(`${a}, ${b}`);
  });

  it('reads standard input as a source: pieces joined, last line without newline kept, ends at EOF', async () => {
    const input = new PassThrough();
    const c = new Collector(openStdinSource({ maxLineBytes: 1024, input }));
    const text = lines(1, 50);
    for (let i = 0; i < text.length; i += 37) input.write(text.slice(i, i + 37));
    input.end('{"n":51,"tag":"x"}');
    await c.finished;
    expect(c.numbers()).toEqual(range(1, 51));
    expect(c.lines.every((l) => l.source === 'stdin')).toBe(true);
  });

  it('stdin: an over-long line is skipped and counted, close() ends the stream', async () => {
    const input = new PassThrough();
    const c = new Collector(openStdinSource({ maxLineBytes: 100, input }));
    input.write(`${'y'.repeat(500)}\n${lines(1, 2)}`);
    await waitFor(() => c.lines.length >= 2, '2 lines');
    await c.source.close();
    await c.finished;
    expect(c.items.some((i) => i.kind === 'long' && i.bytes === 500)).toBe(true);
    expect(c.numbers()).toEqual([1, 2]);
  });

  it('falls back to polling with a notice when the watcher fails (inotify limit)', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    writeFileSync(path, lines(1, 3));
    const failing: DirWatcherFactory = (_dir, _rel, _wake, onError) => {
      setImmediate(() => onError(Object.assign(new Error('watch limit'), { code: 'ENOSPC' })));
      return { close: async () => undefined };
    };
    const c = track(follow([path], { watcher: failing }));
    await waitFor(() => c.notices().some((n) => n.includes('polling') && n.includes('ENOSPC')), 'polling notice');
    appendFileSync(path, lines(4, 6));
    await waitForLines(c, 6);
    expect(c.numbers()).toEqual(range(1, 6));
  });

  it('reads no further ahead than a bounded amount while the consumer is stopped, then catches up', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    writeFileSync(path, '');
    const c = track(follow([path]));
    c.pause();
    appendFileSync(path, lines(1, 1));
    await waitFor(() => c.lines.length === 1, 'first line');
    // ~10 MiB while nobody reads: the follower must hold it on disk, not in memory
    for (let n = 2; n <= 100_000; n += 10_000) appendFileSync(path, lines(n, n + 9999));
    // A window for wake-ups and a poll to happen; what is asserted is that nothing was read in it.
    await new Promise((r) => setTimeout(r, 500));
    expect(c.items.length).toBeLessThanOrEqual(2);
    c.resume();
    await waitFor(() => c.lines.length >= 100_001, 'all lines');
    expect(c.numbers()).toEqual(range(1, 100_001));
  });

  it('a rotation while the consumer is stopped is still followed (the file is opened at once)', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    writeFileSync(path, lines(1, 5));
    const c = track(follow([path]));
    await waitForLines(c, 5);
    c.pause();
    appendFileSync(path, lines(6, 10));
    const { renameSync, unlinkSync } = await import('node:fs');
    const rotated = join(d, 'audit.log.1');
    renameSync(path, rotated);
    writeFileSync(path, lines(11, 15));
    // wait until the follower has opened the new file: then deleting the old one loses nothing
    await waitFor(() => holdsOpen(path), 'the follower to open the new file');
    unlinkSync(rotated);
    c.resume();
    await waitForLines(c, 15);
    appendFileSync(path, lines(16, 16));
    await waitForLines(c, 16);
    expect(c.numbers()).toEqual(range(1, 16));
  });

  it('close() ends items() promptly and releases every file handle', async () => {
    const d = dir();
    const path = join(d, 'audit.log');
    writeFileSync(path, lines(1, 3));
    const fdsBefore = readdirSync('/proc/self/fd').length;
    const c = new Collector(openFollowSourceFor(path));
    await waitForLines(c, 3);
    const t0 = Date.now();
    await c.source.close();
    await c.finished;
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(c.done).toBe(true);
    await waitFor(() => readdirSync('/proc/self/fd').length <= fdsBefore, 'handles released');
  });
});

import { openFollowSource } from '../../../src/ingest/follow/follow-source.js';
import { BASE_OPTS } from './helpers.js';
function openFollowSourceFor(path: string) {
  return openFollowSource([path], BASE_OPTS);
}

/** Whether this process holds `path` open (Linux: the fd table names each open file). */
function holdsOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

describe('the watcher wakes the follower (no poll)', () => {
  for (const relative of [false, true]) {
    it(`appends and a rotation are seen without the poll (${relative ? 'relative' : 'absolute'} path)`, async () => {
      const d = dir();
      const abs = join(d, 'audit.log');
      const { relative: rel } = await import('node:path');
      const path = relative ? rel(process.cwd(), abs) : abs;
      writeFileSync(abs, lines(1, 2));
      // a poll period far beyond the test's deadline: only the watcher can wake the follower
      const c = track(follow([path], { pollMs: 3_600_000 }));
      await waitForLines(c, 2, path);
      appendFileSync(abs, lines(3, 4));
      await waitForLines(c, 4, path);
      const { renameSync } = await import('node:fs');
      renameSync(abs, join(d, 'audit.log.1'));
      writeFileSync(abs, lines(5, 6));
      await waitForLines(c, 6, path);
      expect(c.numbers()).toEqual(range(1, 6));
    });
  }
});

describe('network filesystems', () => {
  it('a local directory is not reported as a network filesystem', async () => {
    const { networkFilesystem } = await import('../../../src/ingest/follow/wake.js');
    expect(await networkFilesystem(dir())).toBeUndefined();
  });
});
