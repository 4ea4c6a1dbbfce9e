/**
 * Ingest throughput against the JSON.parse bound, and memory (issue 2 targets):
 *  - bound: read + split + JSON.parse over the file, in this process;
 *  - pipeline: `node dist/cli.js replay FILE --no-tui --print summary --speed max` in a child;
 *  - their ratio (target ≥ 0.75), peak RSS (target ≤ 400 MB with default buffers), RSS after 30%
 *    and after 100% of the events (the ring is full by then: flat within 10%);
 *  - a file with a 40 MB line: exit 0, the line skipped, memory bounded by the line limit.
 */
import { spawn } from 'node:child_process';
import { open, stat } from 'node:fs/promises';
import { DEFAULT_MAX_LINE_BYTES, LineSplitter } from '../ingest/lines.js';
import { longLineFile, trafficFile } from './data.js';
import type { BenchContext, BenchSection } from './sections.js';

const MB = 1024 * 1024;
const round = (x: number, d = 0): number => Math.round(x * 10 ** d) / 10 ** d;

/** The bound any Node ingest is measured against: read 1 MiB chunks, split lines, JSON.parse each. */
export async function parseBound(path: string): Promise<{ events: number; seconds: number; bytes: number }> {
  const t0 = performance.now();
  const fh = await open(path, 'r');
  const buf = Buffer.allocUnsafe(MB);
  const splitter = new LineSplitter(DEFAULT_MAX_LINE_BYTES);
  let events = 0;
  let bytes = 0;
  let sink = 0;
  const parse = (lines: string[]): void => {
    for (const l of lines) {
      try {
        const o = JSON.parse(l) as { auditID?: string };
        events++;
        if (o.auditID) sink += o.auditID.length;
      } catch {
        // a malformed line costs a failed parse, nothing more
      }
    }
  };
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, MB, null);
      if (bytesRead === 0) break;
      bytes += bytesRead;
      parse(splitter.push(buf.subarray(0, bytesRead)).lines);
    }
    parse(splitter.end().lines);
  } finally {
    await fh.close();
  }
  if (sink < 0) throw new Error('unreachable'); // keeps the parse results observable
  return { events, seconds: (performance.now() - t0) / 1000, bytes };
}

export interface CliRun {
  code: number | null;
  seconds: number;
  summary: Record<string, unknown> | undefined;
  /** RSS (bytes) each time the event count passed a multiple of 100,000 */
  rssAt: Map<number, number>;
  maxRSS: number;
  stderr: string;
}

/** Run the CLI on a file with the bench probe on; `extra` are more CLI arguments. */
export function runReplay(cli: string, path: string, extra: string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, 'replay', path, '--no-tui', '--print', 'summary', '--speed', 'max', ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AUDITOP_BENCH_PROBE: '1' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      const rssAt = new Map<number, number>();
      let maxRSS = 0;
      const rest: string[] = [];
      for (const line of err.split('\n')) {
        if (!line.startsWith('auditop-bench ')) {
          if (line.trim()) rest.push(line);
          continue;
        }
        const o = JSON.parse(line.slice('auditop-bench '.length)) as { events: number; rss?: number; final?: boolean; maxRSS?: number };
        if (o.final) maxRSS = o.maxRSS ?? 0;
        else if (o.rss !== undefined) rssAt.set(o.events, o.rss);
      }
      let summary: Record<string, unknown> | undefined;
      try {
        summary = JSON.parse(out) as Record<string, unknown>;
      } catch {
        summary = undefined;
      }
      resolve({ code, seconds, summary, rssAt, maxRSS, stderr: rest.join('\n') });
    });
  });
}

function rssNear(rssAt: Map<number, number>, events: number): number | undefined {
  const mark = Math.floor(events / 100_000) * 100_000;
  return rssAt.get(mark);
}

export const throughputSection: BenchSection = {
  name: 'throughput',
  description: 'events/s of the full replay pipeline vs the read+split+JSON.parse bound; peak and steady RSS',
  async run(ctx: BenchContext) {
    const file = await ctx.trafficFile();
    const size = (await stat(file)).size;
    ctx.log('throughput: JSON.parse bound…');
    const bound = await parseBound(file);
    ctx.log(`throughput: bound ${round(bound.events / bound.seconds)} events/s; full pipeline…`);
    const run = await runReplay(ctx.cli, file);
    if (run.code !== 0) throw new Error(`replay exited ${run.code}: ${run.stderr}`);
    const events = Number(run.summary?.events ?? 0);
    if (events !== bound.events) throw new Error(`pipeline counted ${events} events, the bound ${bound.events}`);
    const early = rssNear(run.rssAt, events * 0.3);
    const late = rssNear(run.rssAt, events);
    const boundRate = bound.events / bound.seconds;
    const pipeRate = events / run.seconds;
    return {
      file,
      events,
      fileMB: round(size / MB),
      avgLineBytes: round(size / events),
      bound: { eventsPerSec: round(boundRate), MBperSec: round(size / MB / bound.seconds, 1), seconds: round(bound.seconds, 2) },
      pipeline: {
        command: `node dist/cli.js replay ${file} --no-tui --print summary --speed max`,
        eventsPerSec: round(pipeRate),
        MBperSec: round(size / MB / run.seconds, 1),
        seconds: round(run.seconds, 2),
        requests: run.summary?.requests,
      },
      ratio: round(pipeRate / boundRate, 3),
      ratioTarget: 0.75,
      peakRssMB: round(run.maxRSS / MB),
      peakRssTargetMB: 400,
      rssAfter30pctMB: early === undefined ? null : round(early / MB),
      rssAfter100pctMB: late === undefined ? null : round(late / MB),
      rssGrowth: early && late ? round(late / early - 1, 3) : null,
      rssGrowthTarget: 0.1,
    };
  },
};

export const longLineSection: BenchSection = {
  name: 'long-line',
  description: 'a 40 MB line among 200k events: skipped, counted, memory bounded by the 16 MiB line limit',
  async run(ctx: BenchContext) {
    const count = 200_000;
    const withLong = await longLineFile(count, 40 * 1000 * 1000, ctx.log);
    const baseline = await trafficFile(count, ctx.log);
    ctx.log('long-line: replaying with and without the 40 MB line…');
    const a = await runReplay(ctx.cli, withLong);
    const b = await runReplay(ctx.cli, baseline);
    if (a.code !== 0) throw new Error(`replay with the long line exited ${a.code}: ${a.stderr}`);
    return {
      file: withLong,
      exitCode: a.code,
      events: a.summary?.events,
      skippedLong: a.summary?.skippedLong,
      peakRssMB: round(a.maxRSS / MB),
      baselinePeakRssMB: round(b.maxRSS / MB),
      extraMB: round((a.maxRSS - b.maxRSS) / MB),
      lineLimitMB: DEFAULT_MAX_LINE_BYTES / MB,
    };
  },
};
