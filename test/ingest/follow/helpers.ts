import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { GapInfo } from '../../../src/detect/types.js';
import { openFollowSource } from '../../../src/ingest/follow/follow-source.js';
import type { FollowOptions } from '../../../src/ingest/follow/file-tail.js';
import type { Source, SourceItem } from '../../../src/ingest/source.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'auditop-follow-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A numbered line as a writer would append it (JSON-ish so it looks like the real thing). */
export function line(n: number, tag = 'x'): string {
  return `{"n":${n},"tag":"${tag}","pad":"${'p'.repeat(40 + (n % 17))}"}`;
}

export function lines(from: number, to: number, tag = 'x'): string {
  let s = '';
  for (let n = from; n <= to; n++) s += `${line(n, tag)}\n`;
  return s;
}

/** The number in a line written by line(); NaN for anything else. */
export function numberOf(l: string): number {
  const m = /^\{"n":(\d+),/.exec(l);
  return m ? Number(m[1]) : Number.NaN;
}

/**
 * Consumes a source in the background and records what it yields. `paused` stops pulling (the
 * source must then stop reading ahead); `resume()` continues.
 */
export class Collector {
  readonly items: SourceItem[] = [];
  readonly lines: { source: string; line: string }[] = [];
  done = false;
  error: unknown;
  private paused = false;
  private resumeFn: (() => void) | undefined;
  readonly finished: Promise<void>;

  constructor(readonly source: Source) {
    this.finished = (async () => {
      try {
        for await (const item of source.items()) {
          this.items.push(item);
          if (item.kind === 'lines') for (const l of item.lines) this.lines.push({ source: item.source, line: l });
          while (this.paused) await new Promise<void>((r) => (this.resumeFn = r));
        }
      } catch (e) {
        this.error = e;
      } finally {
        this.done = true;
      }
    })();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.resumeFn?.();
  }

  numbers(source?: string): number[] {
    return this.lines.filter((l) => source === undefined || l.source === source).map((l) => numberOf(l.line));
  }

  notices(): string[] {
    return this.items.flatMap((i) => (i.kind === 'notice' ? [i.message] : []));
  }

  gaps(): GapInfo[] {
    return this.items.flatMap((i) => (i.kind === 'gap' ? [i.gap] : []));
  }
}

/** Polls `cond` until it holds or the deadline passes (generous: the test machine is shared and loaded). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let n = from; n <= to; n++) out.push(n);
  return out;
}

export const BASE_OPTS: FollowOptions = { maxLineBytes: 1024 * 1024, backfill: 1000, fromStart: false };

export function follow(paths: string[], opts: Partial<FollowOptions> = {}): Collector {
  return new Collector(openFollowSource(paths, { ...BASE_OPTS, ...opts }));
}

/** Waits until the collector has exactly the lines 1..n (and says what it has otherwise). */
export async function waitForLines(c: Collector, n: number, source?: string): Promise<void> {
  await waitFor(() => c.numbers(source).length >= n || c.error !== undefined, `${n} lines (have ${c.numbers(source).length})`);
  if (c.error) throw c.error;
}

/** lumberjack's backup name for a rotation at time t. */
export function lumberjackName(stem: string, ext: string, t: number): string {
  const iso = new Date(t).toISOString().replace(/:/g, '-').replace('Z', '');
  return `${stem}-${iso}${ext}`;
}

/** For a failing order assertion: where the sequence jumps (debugging aid). */
export function breaks(ns: number[]): [number, number][] {
  return ns.flatMap((x, i): [number, number][] => (i > 0 && x !== (ns[i - 1] ?? 0) + 1 ? [[ns[i - 1] ?? 0, x]] : []));
}

export interface FollowSetup {
  dir: string;
  path: string;
  start: () => Collector;
}

/**
 * For a test file: registers an afterEach that closes every follower started and removes every temp
 * dir made, in reverse order. `setup` makes a temp dir with an `audit.log` path and a follower started
 * on demand; `onCleanup` adds more to undo after the test.
 */
export function followHarness(): {
  setup: (opts?: Partial<FollowOptions>) => FollowSetup;
  onCleanup: (f: () => Promise<void> | void) => void;
} {
  let cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c();
    cleanups = [];
  });
  const onCleanup = (f: () => Promise<void> | void): void => {
    cleanups.push(f);
  };
  const setup = (opts: Partial<FollowOptions> = {}): FollowSetup => {
    const { dir, cleanup } = tempDir();
    onCleanup(cleanup);
    const path = join(dir, 'audit.log');
    return {
      dir,
      path,
      start() {
        const c = follow([path], opts);
        onCleanup(async () => {
          await c.source.close();
          await c.finished;
        });
        return c;
      },
    };
  };
  return { setup, onCleanup };
}
