import { appendFileSync, copyFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { follow, line, lines, range, waitFor, waitForLines, followHarness } from './helpers.js';

const { setup, onCleanup } = followHarness();

describe('copytruncate and truncation', () => {
  it('copytruncate while caught up: restarts at 0, no loss, no duplicate, no gap', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 10));
    const c = start();
    await waitForLines(c, 10);
    copyFileSync(path, join(dir, 'audit.log.1'));
    truncateSync(path, 0);
    await waitFor(() => c.notices().some((n) => n.includes('truncated')), 'truncation notice');
    appendFileSync(path, lines(11, 20));
    await waitForLines(c, 20);
    // a later real rotation must not read the copy again
    appendFileSync(path, lines(21, 21));
    await waitForLines(c, 21);
    expect(c.numbers()).toEqual(range(1, 21));
    expect(c.gaps().map((g) => g.message)).toEqual([]);
  });

  it('copytruncate while behind: reads the unread rest from the copy, then the file from 0', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 10));
    const c = start();
    await waitForLines(c, 10);
    // synchronous: the follower cannot look in between
    appendFileSync(path, lines(11, 15));
    copyFileSync(path, join(dir, 'audit.log.1'));
    truncateSync(path, 0);
    appendFileSync(path, lines(16, 80)); // larger than before: only the rewrite check notices
    await waitForLines(c, 80);
    appendFileSync(path, lines(81, 81));
    await waitForLines(c, 81);
    expect(c.numbers()).toEqual(range(1, 81));
    expect(c.gaps().map((g) => g.message)).toEqual([]);
  });

  it('a rewrite to a larger size without a copy restarts at 0 (detected by the bytes before the offset)', async () => {
    const { path, start } = setup();
    writeFileSync(path, lines(1, 10));
    const c = start();
    await waitForLines(c, 10);
    writeFileSync(path, lines(101, 150)); // truncate + write in one go, larger than our offset
    await waitForLines(c, 60);
    expect(c.numbers()).toEqual([...range(1, 10), ...range(101, 150)]);
    expect(c.notices().some((n) => n.includes('truncated'))).toBe(true);
  });

  it('a truncation that cuts bytes not read yet is a gap with the lost byte count', async () => {
    const { path, start } = setup();
    // ~1.5 MiB: more than one read chunk, so pausing after the first item leaves bytes unread
    const big = lines(1, 20000);
    writeFileSync(path, big);
    const c = follow([path], { fromStart: true });
    onCleanup(async () => {
      await c.source.close();
      await c.finished;
    });
    void start;
    c.pause();
    await waitFor(() => c.lines.length > 0, 'first chunk');
    const read = c.lines.length;
    const readBytes = c.lines.reduce((n, l) => n + Buffer.byteLength(l.line) + 1, 0);
    truncateSync(path, 0);
    appendFileSync(path, lines(30001, 30005));
    c.resume();
    await waitFor(() => c.numbers().includes(30005), 'lines after the truncation');
    expect(c.numbers()).toEqual([...range(1, read), ...range(30001, 30005)]);
    const gaps = c.gaps();
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ kind: 'truncated', source: path });
    // what was lost is what had not been read, give or take the partial line the follower held
    expect(gaps[0]?.bytes).toBeGreaterThan(big.length - readBytes - 200);
    expect(gaps[0]?.bytes).toBeLessThanOrEqual(big.length - readBytes);
  });
});

describe('copytruncate, repeatedly', () => {
  it('two copytruncates between two looks: the rest of the first copy, all of the second, then the file', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 10));
    const c = start();
    await waitForLines(c, 10);
    const { renameSync } = await import('node:fs');
    appendFileSync(path, lines(11, 15));
    copyFileSync(path, join(dir, 'audit.log.1'));
    truncateSync(path, 0);
    appendFileSync(path, lines(16, 20));
    renameSync(join(dir, 'audit.log.1'), join(dir, 'audit.log.2'));
    copyFileSync(path, join(dir, 'audit.log.1'));
    truncateSync(path, 0);
    appendFileSync(path, lines(21, 22));
    await waitForLines(c, 22);
    appendFileSync(path, lines(23, 23));
    await waitForLines(c, 23);
    expect(c.numbers()).toEqual(range(1, 23));
    expect(c.gaps().map((g) => g.message)).toEqual([]);
  });

  it('copytruncate every few dozen lines: every line exactly once, in order', async () => {
    const { dir, path, start } = setup();
    const { renameSync, existsSync } = await import('node:fs');
    writeFileSync(path, lines(1, 1));
    const c = start();
    await waitForLines(c, 1);
    const total = 2000;
    for (let n = 2; n <= total; ) {
      const to = Math.min(total, n + (n % 5));
      appendFileSync(path, lines(n, to));
      n = to + 1;
      if (n % 61 < 5) {
        // logrotate runs between writes, here once the follower has caught up (copytruncate while it
        // is behind, and twice between two looks, are the tests above; a writer in another process
        // copytruncating several times a second is the test below)
        await waitForLines(c, n - 1);
        for (let k = 4; k >= 1; k--) {
          if (existsSync(join(dir, `audit.log.${k}`))) renameSync(join(dir, `audit.log.${k}`), join(dir, `audit.log.${k + 1}`));
        }
        copyFileSync(path, join(dir, 'audit.log.1'));
        truncateSync(path, 0);
        // one copytruncate at a time (several between two looks: the test above and the one below)
        await waitForLines(c, n - 1);
      }
      await new Promise((r) => setImmediate(r));
    }
    await waitForLines(c, total);
    appendFileSync(path, lines(total + 1, total + 1));
    await waitForLines(c, total + 1);
    expect(c.numbers()).toEqual(range(1, total + 1));
    expect(c.gaps().map((g) => g.message)).toEqual([]);
  });
});

describe('copytruncate by a writer in another process', () => {
  it('logrotate copytruncate every ~500 lines while lines stream in: every line exactly once, in order', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 1));
    const c = start();
    await waitForLines(c, 1);
    const total = 5000;
    // logrotate's copytruncate (copy, then truncate; `.1` → `.2` … first) every ~500 lines; lines in
    // appends of 1–5 with a 1 ms pause every third: several rotations a second, far beyond real use.
    const writer = `
      const { appendFileSync, copyFileSync, existsSync, renameSync, truncateSync } = require('node:fs');
      const { join } = require('node:path');
      const [path, dir, total] = [${JSON.stringify(path)}, ${JSON.stringify(dir)}, ${total}];
      const line = ${line.toString()};
      (async () => {
        for (let n = 2; n <= total; ) {
          const to = Math.min(total, n + (n % 5));
          let s = '';
          for (let k = n; k <= to; k++) s += line(k) + '\\n';
          appendFileSync(path, s);
          if (Math.floor(to / 500) !== Math.floor((n - 1) / 500)) {
            for (let k = 20; k >= 1; k--) {
              if (existsSync(join(dir, 'audit.log.' + k))) renameSync(join(dir, 'audit.log.' + k), join(dir, 'audit.log.' + (k + 1)));
            }
            copyFileSync(path, join(dir, 'audit.log.1'));
            truncateSync(path, 0);
          }
          n = to + 1;
          if (n % 3 === 0) await new Promise((r) => setTimeout(r, 1));
        }
      })();`;
    const { spawn } = await import('node:child_process');
    const exit = await new Promise<number | null>((resolve) =>
      spawn(process.execPath, ['-e', writer], { stdio: 'inherit' }).once('exit', resolve),
    );
    expect(exit).toBe(0);
    await waitForLines(c, total);
    appendFileSync(path, lines(total + 1, total + 1));
    await waitForLines(c, total + 1);
    expect(c.numbers()).toEqual(range(1, total + 1));
    expect(c.gaps().map((g) => g.message)).toEqual([]);
  });
});
