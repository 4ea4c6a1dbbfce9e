/**
 * `npm run bench -- --only follow`: the follower as an operator runs it, `auditop FILE --no-tui
 * --print events` in a child process, against a file this bench appends to.
 *
 * - latency: append one event → its line on the child's stdout (p50/p95/max over 200 appends)
 * - quiet CPU: the child's CPU time while the followed file stays quiet for 30 s (from /proc)
 * - burst: a writer appending 50,000 events/s for 10 s; every event must come out; peak RSS
 * - backfill: the last 1000 events of the bench's 1.1 GB traffic file (process start → 1000th line,
 *   and in-process)
 *
 * Linux only (/proc for CPU and memory of the child).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateTraffic } from '../demo/traffic.js';
import { openFollowSource } from '../ingest/follow/follow-source.js';
import type { BenchContext, BenchSection } from './sections.js';

/** Appends measured for latency: enough for a stable p95, short enough to keep the bench quick. */
const LATENCY_SAMPLES = 200;
/** Gap between latency appends: slower than the follower's work, so each append is measured alone. */
const LATENCY_GAP_MS = 25;
const QUIET_SECONDS = 30;
const BURST_RATE = 50_000;
const BURST_SECONDS = 10;
/** The writer's tick: 10 ms batches of 500 events, like a busy API server's buffered audit writer. */
const BURST_TICK_MS = 10;
const BACKFILL_EVENTS = 1000;
/** Distinct generated events cycled through (each copy gets a unique auditID prefix). */
const TEMPLATE_EVENTS = 20_000;
/** How long the child may take to catch up after the burst before the bench gives up. */
const CATCH_UP_DEADLINE_MS = 180_000;

interface Template {
  before: string;
  after: string;
}

/** Realistic events split around their auditID value, so copies get unique IDs by concatenation. */
function templates(n: number): Template[] {
  const it = generateTraffic({ seed: 424_242, start: Date.UTC(2026, 10, 21, 10), eventsPerSecond: 1000 });
  const out: Template[] = [];
  for (let i = 0; i < n; i++) {
    const line = JSON.stringify(it.next().value);
    const k = line.indexOf('"auditID":"') + '"auditID":"'.length;
    out.push({ before: line.slice(0, k), after: line.slice(k) });
  }
  return out;
}

function eventLine(t: Template, id: string): string {
  return `${t.before}${id}-${t.after}\n`;
}

/** The child's stdout, split into lines; `onLine` sees each. */
function lines(child: ChildProcessWithoutNullStreams, onLine: (line: string) => void): void {
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) onLine(p);
  });
}

function startCli(ctx: BenchContext, args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [ctx.cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    for (const l of s.split('\n')) if (l.trim() !== '') ctx.log(`  child: ${l}`);
  });
  return child;
}

async function stopCli(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function until(cond: () => boolean, deadlineMs: number, what: () => string): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench follow: timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** user+system CPU seconds of a process, from /proc (clock ticks are 100 per second on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

async function latencyAndQuiet(ctx: BenchContext, dir: string, tpl: Template[]): Promise<Record<string, unknown>> {
  const path = join(dir, 'latency.log');
  writeFileSync(path, '');
  const child = startCli(ctx, [path, '--no-tui', '--print', 'events', '--backfill', '0']);
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let seen = 0;
  lines(child, (l) => {
    seen++;
    const m = /"auditID":"(lat-\d+)-/.exec(l);
    const t = m ? sent.get(m[1] as string) : undefined;
    if (t !== undefined) latencies.push(performance.now() - t);
  });
  const fd = openSync(path, 'a');
  try {
    // Ready when a probe event comes out (the child has started and opened the file).
    for (let i = 0; seen === 0; i++) {
      writeSync(fd, eventLine(tpl[i % tpl.length] as Template, `probe-${i}`));
      await sleep(50);
    }
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      const id = `lat-${i}`;
      const line = eventLine(tpl[i % tpl.length] as Template, id);
      sent.set(id, performance.now());
      writeSync(fd, line);
      await sleep(LATENCY_GAP_MS);
    }
    await until(() => latencies.length >= LATENCY_SAMPLES, 10_000, () => `latency samples (have ${latencies.length})`);
  } finally {
    closeSync(fd);
  }
  latencies.sort((a, b) => a - b);
  ctx.log(`follow: quiet for ${QUIET_SECONDS} s…`);
  await sleep(1000); // let the last batch's work settle before the quiet window starts
  const cpu0 = cpuSeconds(child.pid as number);
  const t0 = performance.now();
  await sleep(QUIET_SECONDS * 1000);
  const cpu = cpuSeconds(child.pid as number) - cpu0;
  const secs = (performance.now() - t0) / 1000;
  const exitCode = await stopCli(child);
  return {
    appendToEventP50Ms: round(percentile(latencies, 50)),
    appendToEventP95Ms: round(percentile(latencies, 95)),
    appendToEventMaxMs: round(latencies[latencies.length - 1] ?? Number.NaN),
    quietCpuPercentOfOneCore: round((cpu / secs) * 100, 3),
    quietSeconds: round(secs, 1),
    exitCodeOnSigterm: exitCode,
  };
}

async function burst(ctx: BenchContext, dir: string, tpl: Template[]): Promise<Record<string, unknown>> {
  const path = join(dir, 'burst.log');
  writeFileSync(path, '');
  const child = startCli(ctx, [path, '--no-tui', '--print', 'events', '--backfill', '0']);
  let out = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) out++;
  });
  const fd = openSync(path, 'a');
  let written = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, rssBytes(child.pid as number));
    } catch {
      // exited
    }
  }, 100);
  try {
    // Ready when a probe comes out. Probes written before the child opened the file are history
    // to it (--backfill 0), so what counts is how many came out, after a moment for stragglers.
    for (let i = 0; out === 0; i++) {
      writeSync(fd, eventLine(tpl[i % tpl.length] as Template, `probe-${i}`));
      await sleep(50);
    }
    await sleep(200);
    const probes = out;
    written = probes;
    const target = BURST_RATE * BURST_SECONDS;
    const start = performance.now();
    let n = 0;
    while (n < target) {
      const due = Math.min(target, Math.floor(((performance.now() - start) / 1000) * BURST_RATE));
      if (due > n) {
        let chunk = '';
        for (; n < due; n++) chunk += eventLine(tpl[n % tpl.length] as Template, `b${n}`);
        writeSync(fd, chunk);
      }
      await sleep(BURST_TICK_MS);
    }
    written += n;
    const writeSecs = (performance.now() - start) / 1000;
    const lagAtEnd = written - out;
    await until(() => out >= written, CATCH_UP_DEADLINE_MS, () => `all ${written} events on stdout (have ${out})`);
    const allOutSecs = (performance.now() - start) / 1000;
    const rssEnd = rssBytes(child.pid as number);
    const exitCode = await stopCli(child);
    return {
      eventsWritten: n,
      probes,
      eventsOut: out - probes,
      allArrived: out === written,
      writerSeconds: round(writeSecs, 2),
      writerEventsPerSecond: Math.round(n / writeSecs),
      backlogWhenWriterStopped: lagAtEnd,
      secondsUntilAllOut: round(allOutSecs, 2),
      peakRssMiB: round(peakRss / 2 ** 20, 1),
      rssAtEndMiB: round(rssEnd / 2 ** 20, 1),
      exitCodeOnSigterm: exitCode,
    };
  } finally {
    clearInterval(sampler);
    closeSync(fd);
    if (child.exitCode === null) await stopCli(child);
  }
}

async function backfill(ctx: BenchContext): Promise<Record<string, unknown>> {
  // The bench's main generated file (1M events, ~1.1 GB by default; cached between runs): only read.
  const path = await ctx.trafficFile();
  const bytes = statSync(path).size;

  // In process: open → the 1000th backfilled event delivered by the source.
  const t0 = performance.now();
  const src = openFollowSource([path], { maxLineBytes: 16 * 2 ** 20, backfill: BACKFILL_EVENTS, fromStart: false });
  let got = 0;
  for await (const item of src.items()) {
    if (item.kind === 'lines') got += item.lines.length;
    if (got >= BACKFILL_EVENTS) break;
  }
  const inProcessMs = performance.now() - t0;
  await src.close();

  // As the operator sees it: process start → the 1000th event on stdout.
  const t1 = performance.now();
  const child = startCli(ctx, [path, '--no-tui', '--print', 'events', '--backfill', String(BACKFILL_EVENTS)]);
  let out = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) out++;
  });
  await until(() => out >= BACKFILL_EVENTS, 30_000, () => `backfilled events (have ${out})`);
  const cliMs = performance.now() - t1;
  await sleep(300); // a window for extra lines (there must be none)
  const extra = out - BACKFILL_EVENTS;
  await stopCli(child);

  // Node's own start-up, for reading the figure above.
  const t2 = performance.now();
  await new Promise<void>((resolve) => spawn(process.execPath, ['-e', '0']).once('exit', () => resolve()));
  const nodeStartMs = performance.now() - t2;
  return {
    fileBytes: bytes,
    inProcessMs: round(inProcessMs, 1),
    processStartTo1000thEventMs: round(cliMs, 1),
    nodeStartupMs: round(nodeStartMs, 1),
    extraLines: extra,
  };
}

export const followSection: BenchSection = {
  name: 'follow',
  description: 'live follow: append→event latency, CPU while quiet, 50k events/s writer for 10 s, backfill of the last 1000 events of a 1.1 GB file',
  async run(ctx) {
    const dir = mkdtempSync(join(tmpdir(), 'auditop-bench-follow-'));
    try {
      const tpl = templates(TEMPLATE_EVENTS);
      ctx.log('follow: latency…');
      const latency = await latencyAndQuiet(ctx, dir, tpl);
      ctx.log('follow: 50,000 events/s for 10 s…');
      const writer = await burst(ctx, dir, tpl);
      rmSync(join(dir, 'burst.log'), { force: true });
      ctx.log('follow: backfill from the bench traffic file…');
      const back = await backfill(ctx);
      return { ...latency, burst: writer, backfillLast1000: back };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
