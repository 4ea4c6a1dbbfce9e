import { appendFileSync, closeSync, openSync, readdirSync, readlinkSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { breaks, follow, line, lines, lumberjackName, range, waitFor, waitForLines, followHarness } from './helpers.js';

const { setup, onCleanup } = followHarness();

describe('following through rotation', () => {
  it('waits for a file that does not exist yet, says so, then reads it from the start', async () => {
    const { path, start } = setup({ backfill: 0 });
    const c = start();
    await waitFor(() => c.notices().some((n) => n.includes('waiting for the file')), 'waiting notice');
    writeFileSync(path, lines(1, 3));
    await waitForLines(c, 3);
    appendFileSync(path, lines(4, 5));
    await waitForLines(c, 5);
    expect(c.numbers()).toEqual(range(1, 5));
    expect(c.notices().some((n) => n.includes('appeared'))).toBe(true);
  });

  it('waits for a missing directory too', async () => {
    const { dir, start } = setup();
    const sub = join(dir, 'not-yet');
    const c = follow([join(sub, 'audit.log')]);
    onCleanup(async () => {
      await c.source.close();
      await c.finished;
    });
    void start; // the plain path is not used here
    await waitFor(() => c.notices().some((n) => n.includes('waiting for the file')), 'waiting notice');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(sub);
    writeFileSync(join(sub, 'audit.log'), lines(1, 4));
    await waitForLines(c, 4);
    expect(c.numbers()).toEqual(range(1, 4));
  });

  it('holds a line written in pieces until its newline arrives', async () => {
    const { path, start } = setup();
    writeFileSync(path, '');
    const c = start();
    const l1 = lines(1, 1);
    const l2 = lines(2, 2);
    appendFileSync(path, l1 + l2.slice(0, 10));
    await waitForLines(c, 1);
    appendFileSync(path, l2.slice(10, 30));
    appendFileSync(path, l2.slice(30) + lines(3, 3).slice(0, 5));
    appendFileSync(path, lines(3, 3).slice(5));
    await waitForLines(c, 3);
    expect(c.lines.map((l) => l.line)).toEqual([l1, l2, lines(3, 3)].map((s) => s.trimEnd()));
  });

  it('rename + create (lumberjack): drains the old file, including lines written just after the rename', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 10));
    const c = start();
    await waitForLines(c, 10);
    // A writer that renames and keeps writing to its open descriptor for a moment, then reopens.
    const fd = openSync(path, 'a');
    renameSync(path, join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10))));
    writeSync(fd, lines(11, 15));
    await new Promise((r) => setImmediate(r));
    writeSync(fd, lines(16, 20));
    writeFileSync(path, '');
    writeSync(fd, lines(21, 22)); // the new file is still empty: the writer has not switched yet
    closeSync(fd);
    appendFileSync(path, lines(23, 30));
    await waitForLines(c, 30);
    appendFileSync(path, lines(31, 31));
    await waitForLines(c, 31);
    expect(c.numbers()).toEqual(range(1, 31));
    expect(c.notices().some((n) => n.includes('rotated'))).toBe(true);
    expect(c.gaps()).toEqual([]);
  });

  it('rename + create with the follower watching each step (path briefly missing is not "gone")', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 5));
    const c = start();
    await waitForLines(c, 5);
    let n = 5;
    for (let r = 0; r < 5; r++) {
      appendFileSync(path, lines(n + 1, n + 5));
      n += 5;
      renameSync(path, join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10, r))));
      await new Promise((res) => setTimeout(res, 1)); // let the follower see the path missing
      writeFileSync(path, lines(n + 1, n + 5));
      n += 5;
      await waitForLines(c, n);
    }
    expect(c.numbers()).toEqual(range(1, n));
    expect(c.notices().some((x) => x.includes('gone'))).toBe(false);
  });

  it('delete + recreate', async () => {
    const { path, start } = setup();
    writeFileSync(path, lines(1, 10));
    const c = start();
    await waitForLines(c, 10);
    const fd = openSync(path, 'a');
    unlinkSync(path);
    writeSync(fd, lines(11, 12)); // still written to the deleted file
    closeSync(fd);
    await new Promise((r) => setImmediate(r));
    writeFileSync(path, lines(13, 20));
    await waitForLines(c, 20);
    appendFileSync(path, lines(21, 21));
    await waitForLines(c, 21);
    expect(c.numbers()).toEqual(range(1, 21));
  });

  it('several lumberjack rotations between two reads: finds the rotated files by inode, in order', async () => {
    const { dir, path, start } = setup({ backfill: 5 }); // history stays history (backfill would show it)
    // history from before auditop started: must not be read
    writeFileSync(join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 20))), lines(900, 905));
    writeFileSync(path, lines(1, 5));
    const c = start();
    await waitForLines(c, 5);
    // All synchronous: the follower (same process) cannot look in between.
    appendFileSync(path, lines(6, 10));
    let n = 10;
    for (let r = 1; r <= 4; r++) {
      renameSync(path, join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10, 0, r))));
      writeFileSync(path, lines(n + 1, n + 5));
      n += 5;
    }
    await waitForLines(c, n);
    appendFileSync(path, lines(n + 1, n + 1));
    await waitForLines(c, n + 1);
    expect(c.numbers()).toEqual(range(1, n + 1));
    expect(c.notices().some((x) => /rotated \d+ times/.test(x))).toBe(true);
    expect(c.gaps()).toEqual([]);
  });

  it('several logrotate-style rotations (audit.log.1, .2 …) between two reads', async () => {
    const { dir, path, start } = setup({ backfill: 5 }); // history stays history (backfill would show it)
    writeFileSync(join(dir, 'audit.log.1'), lines(900, 905)); // history
    writeFileSync(path, lines(1, 5));
    const c = start();
    await waitForLines(c, 5);
    let n = 5;
    for (let r = 1; r <= 3; r++) {
      for (let k = 4; k >= 1; k--) {
        try {
          renameSync(join(dir, `audit.log.${k}`), join(dir, `audit.log.${k + 1}`));
        } catch {
          // not there yet
        }
      }
      renameSync(path, join(dir, 'audit.log.1'));
      writeFileSync(path, lines(n + 1, n + 5));
      n += 5;
    }
    await waitForLines(c, n);
    appendFileSync(path, lines(n + 1, n + 1));
    await waitForLines(c, n + 1);
    expect(c.numbers()).toEqual(range(1, n + 1));
  });

  it('rapid rotation under a running writer: every line exactly once, in order', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 1));
    const c = start();
    await waitForLines(c, 1);
    const total = 3000;
    let t = Date.UTC(2026, 10, 21, 10);
    for (let n = 2; n <= total; ) {
      const batch = 1 + (n % 7);
      const to = Math.min(total, n + batch - 1);
      appendFileSync(path, lines(n, to));
      n = to + 1;
      if (n % 97 < 8) {
        renameSync(path, join(dir, lumberjackName('audit', '.log', (t += 1000))));
        writeFileSync(path, '');
      }
      // Vary the interleaving: sometimes yield to the follower, sometimes not.
      if (n % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    await waitForLines(c, total);
    appendFileSync(path, lines(total + 1, total + 1));
    await waitForLines(c, total + 1);
    expect(c.numbers()).toEqual(range(1, total + 1));
    expect(c.gaps()).toEqual([]);
  });

  it('a rotated file compressed before it was read is a gap; one we drained is not', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 5));
    const c = start();
    await waitForLines(c, 5);
    const a = join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10, 0, 1)));
    const b = join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10, 0, 2)));
    renameSync(path, a);
    writeFileSync(path, lines(6, 10)); // never seen by the follower: rotated and compressed at once
    renameSync(path, b);
    writeFileSync(`${b}.gz`, gzipSync(readFileSync(b)));
    unlinkSync(b);
    // the file the follower holds is compressed too: it drains it through its handle
    writeFileSync(`${a}.gz`, gzipSync(readFileSync(a)));
    unlinkSync(a);
    writeFileSync(path, lines(11, 15));
    await waitForLines(c, 10);
    await waitFor(() => c.gaps().length > 0, 'gap');
    expect(c.numbers()).toEqual([...range(1, 5), ...range(11, 15)]);
    expect(c.gaps()).toHaveLength(1);
    expect(c.gaps()[0]).toMatchObject({ kind: 'rotated-unread', source: path, bytes: lines(6, 10).length });
  });
});

describe('lumberjack with --audit-log-compress', () => {
  it('the backup is gzipped and deleted at once while auditop lags: all lines, no false gap', async () => {
    const { dir, path, start } = setup();
    writeFileSync(path, lines(1, 5));
    const c = start();
    await waitForLines(c, 5);
    c.pause(); // a slow screen: nothing more is read for now
    let n = 5;
    for (let r = 1; r <= 3; r++) {
      appendFileSync(path, lines(n + 1, n + 20)); // grows after auditop last measured it
      n += 20;
      const backup = join(dir, lumberjackName('audit', '.log', Date.UTC(2026, 10, 21, 10, 0, r)));
      renameSync(path, backup);
      writeFileSync(path, '');
      // compressed and deleted before auditop even looks: it never sees the backup's name
      writeFileSync(`${backup}.gz`, gzipSync(readFileSync(backup)));
      unlinkSync(backup);
      // one rotation per look (the follower opens the new file within a millisecond normally)
      await waitFor(() => holdsOpenCount(path) > 0, 'the follower to open the new file');
    }
    appendFileSync(path, lines(n + 1, n + 5));
    n += 5;
    c.resume();
    await waitForLines(c, n);
    appendFileSync(path, lines(n + 1, n + 1));
    await waitForLines(c, n + 1);
    expect(c.numbers()).toEqual(range(1, n + 1));
    expect(c.gaps()).toEqual([]);
  });
});

describe('a writer in another process', () => {
  it('rotating lumberjack-style every ~60 lines at full speed: every line exactly once, in order', async () => {
    const trace: string[] = [];
    const { dir, path, start } = setup({ trace: (e) => trace.push(e) });
    writeFileSync(path, lines(1, 1));
    const c = start();
    await waitForLines(c, 1);
    const total = 5000;
    // The writer's own code: appends of 1–5 lines, a rename + create every ~60 lines, and a 1 ms
    // pause every third append (an API server under load, rotating absurdly often).
    const writer = `
      const { appendFileSync, renameSync } = require('node:fs');
      const { join } = require('node:path');
      const [path, dir, total] = [${JSON.stringify(path)}, ${JSON.stringify(dir)}, ${total}];
      const line = ${line.toString()};
      let t = Date.UTC(2026, 10, 21, 10);
      (async () => {
        for (let n = 2; n <= total; ) {
          const to = Math.min(total, n + (n % 5));
          let s = '';
          for (let k = n; k <= to; k++) s += line(k) + '\\n';
          appendFileSync(path, s);
          n = to + 1;
          if (n % 61 < 5) {
            const iso = new Date((t += 1000)).toISOString().replace(/:/g, '-').replace('Z', '');
            renameSync(path, join(dir, 'audit-' + iso + '.log'));
            appendFileSync(path, '');
          }
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
    const jumps = breaks(c.numbers());
    if (jumps.length > 0) {
      const at = trace.findIndex((t) => t.includes(`{"n":${jumps[0]?.[0]},`));
      console.error(JSON.stringify(jumps), '\n' + trace.slice(Math.max(0, at - 40), at + 40).join('\n'));
    }
    expect(breaks(c.numbers())).toEqual([]);
    expect(c.numbers()).toEqual(range(1, total + 1));
    expect(c.gaps()).toEqual([]);
  });
});

/** How many descriptors this process holds on `path` (Linux: the fd table names each open file). */
function holdsOpenCount(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  }).length;
}
