import { appendFileSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backfillStart } from '../../../src/ingest/follow/backfill.js';
import { follow, line, lines, lumberjackName, range, tempDir, waitFor, waitForLines } from './helpers.js';

let cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

function file(content: string | Buffer): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const path = join(dir, 'audit.log');
  writeFileSync(path, content);
  return path;
}

async function startOf(content: string | Buffer, n: number): Promise<number> {
  const path = file(content);
  const fh = await open(path, 'r');
  try {
    return await backfillStart(fh, (await fh.stat()).size, n);
  } finally {
    await fh.close();
  }
}

describe('backfillStart (reading backwards from the end)', () => {
  it('finds the start of the last n complete lines', async () => {
    expect(await startOf('a\nb\nc\n', 2)).toBe(2);
    expect(await startOf('a\nb\nc\n', 3)).toBe(0);
    expect(await startOf('a\nb\nc\n', 10)).toBe(0);
    expect(await startOf('a\nb\nc\n', 0)).toBe(6);
    expect(await startOf('', 5)).toBe(0);
  });

  it('does not count a trailing partial line, but starts before it', async () => {
    expect(await startOf('a\nb\nc\nd', 2)).toBe(2); // b, c complete; d follows
    expect(await startOf('a\nb\nc\nd', 0)).toBe(6);
  });

  it('works across chunk boundaries and with lines longer than a chunk', async () => {
    const long = 'x'.repeat(200 * 1024);
    const content = `${long}\nshort\n${long}\n${long}\nend\n`;
    expect(await startOf(content, 1)).toBe(content.length - 4);
    expect(await startOf(content, 3)).toBe(long.length + 7);
    expect(await startOf(content, 4)).toBe(long.length + 1);
  });
});

describe('backfill when following', () => {
  it('emits the last N complete lines already in the file, then follows', async () => {
    const path = file(lines(1, 5000));
    const c = follow([path], { backfill: 1000 });
    cleanups.push(async () => {
      await c.source.close();
      await c.finished;
    });
    await waitForLines(c, 1000);
    appendFileSync(path, lines(5001, 5010));
    await waitForLines(c, 1010);
    expect(c.numbers()).toEqual(range(4001, 5010));
  });

  it('--from-start reads everything, and a partial last line completes later', async () => {
    const path = file(lines(1, 300) + line(301).slice(0, 7));
    const c = follow([path], { fromStart: true, backfill: 10 });
    cleanups.push(async () => {
      await c.source.close();
      await c.finished;
    });
    await waitForLines(c, 300);
    appendFileSync(path, `${line(301).slice(7)}\n`);
    await waitForLines(c, 301);
    expect(c.numbers()).toEqual(range(1, 301));
  });

  it('--backfill 0 starts at the end', async () => {
    const path = file(lines(1, 50));
    const c = follow([path], { backfill: 0 });
    cleanups.push(async () => {
      await c.source.close();
      await c.finished;
    });
    // wait until the follower has opened the file (it reports nothing until then), by appending until seen
    for (let n = 51; c.numbers().length === 0; n++) {
      appendFileSync(path, lines(n, n));
      await waitFor(() => c.lines.length > 0, 'a line', 1000).catch(() => undefined);
    }
    expect(c.numbers()[0]).toBeGreaterThan(50);
  });

  it('just after a rotation, takes the rest of the N lines from the newest rotated files', async () => {
    const path = file(lines(101, 103));
    const dir = path.slice(0, path.lastIndexOf('/'));
    writeFileSync(join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 9))), lines(1, 50));
    writeFileSync(join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10))), lines(51, 100));
    writeFileSync(join(dir, 'other.log'), lines(900, 990)); // not a rotated copy of audit.log
    const c = follow([path], { backfill: 60 });
    cleanups.push(async () => {
      await c.source.close();
      await c.finished;
    });
    await waitForLines(c, 60);
    appendFileSync(path, lines(104, 104));
    await waitForLines(c, 61);
    expect(c.numbers()).toEqual(range(44, 104));
  });
});
