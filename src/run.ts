/**
 * run(config): builds the engine, the detector and the sources, then drives either the screen or the
 * headless JSON printers until the input ends or a signal asks to stop.
 *
 * SEAMS — later parts plug in here, each by replacing the body of one small function:
 *   createSources   follower (follow/stdin) and replay (directories, rotated sets, merging by time)
 *   createPacer     replay pacing (--speed N)
 *   createFilter    screen-search (--filter); --since/--until are applied by the replay source
 *   createDetector  detection (built-in rules, --rules)
 *   runTui          the screen (dynamic import, so headless runs never load ink/react)
 *   runDemo         the screen's demo: live on a terminal (src/demo/demo.ts); headless, a report of demo-logs/
 */
import { openSync, writeSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LOG_PATHS, type Config } from './config.js';
import type { Detector } from './detect/types.js';
import { createDetector as createRuleDetector, loadRulesFile } from './detect/index.js';
import { withSettingsLists } from './config-file.js';
import { assertReadable, openFileSource, SourceError } from './ingest/file-source.js';
import { openFollowInputs } from './ingest/follow/inputs.js';
import { threadCpuSeconds } from './ingest/offload.js';
import { consume, decodeStats, type ConsumeOptions } from './ingest/pipeline.js';
import { createReplay, replayOf } from './ingest/replay/index.js';
import type { Source } from './ingest/source.js';
import { Engine } from './model/engine.js';
import type { AuditEvent } from './model/event.js';
import { isFilterError, parseFilter } from './model/filter.js';
import { alertRecord, attachPrinter, LineWriter, summaryRecord } from './print.js';
import { formatReport } from './demo/report.js';
import { openTtyKeys } from './ui/tty-keys.js';

/** A part of auditop that a later piece of work delivers; the CLI prints the message and exits 1. */
export class NotAvailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotAvailableError';
  }
}

export interface RunIO {
  stdout: NodeJS.WritableStream;
  stderr: { write(chunk: string): boolean };
}

// ------------------------------------------------------------------------------------------------
// Seams

/** The sources to read. Throws SourceError (unreadable path) or NotAvailableError. */
export async function createSources(config: Config, engine?: Engine): Promise<Source[]> {
  if (config.mode === 'replay') {
    // Rotated sets, merging by event time, --since/--until and the pacer (src/ingest/replay/).
    const r = await createReplay(
      {
        paths: config.paths,
        maxLineBytes: config.maxLineBytes,
        speed: config.speed,
        since: config.since,
        until: config.until,
        onNotice: (m) => engine?.notice('replay', m),
      },
      // headless at --speed max needs no pacer: the unpaced pipeline is the fastest path
      { unpaced: !config.tui },
    );
    return [r.source];
  }
  // follow: FILE args (merged), `-` = stdin, none = the first default path that exists
  return openFollowInputs(config.paths, {
    defaultPaths: DEFAULT_LOG_PATHS,
    maxLineBytes: config.maxLineBytes,
    backfill: config.backfill,
    fromStart: config.fromStart,
  });
}

/** Pacing for replay (the pacer travels with the replay source); undefined = as fast as possible. */
export function createPacer(_config: Config, sources: Source[]): ConsumeOptions['pace'] {
  return replayOf(sources)?.pace;
}

/** Which events to keep: the --since/--until window and --filter. */
export function createFilter(config: Config): ((ev: AuditEvent) => boolean) | undefined {
  // --filter was validated by parseCommandLine (a bad expression is a usage error, exit 2);
  // --since/--until are applied by the replay source before decoding (src/ingest/replay/)
  const parsed = config.filter === undefined ? undefined : parseFilter(config.filter);
  return parsed === undefined || isFilterError(parsed) || parsed.empty ? undefined : parsed.test;
}

/** The detection engine: built-in rules plus --rules FILE (a bad file throws RulesFileError: exit 2). */
export function createDetector(config: Config): Detector {
  const rules = config.rulesFile !== undefined ? loadRulesFile(config.rulesFile) : {};
  // protectedNamespaces and allowedCidrs from the settings file add to the detector's lists
  return createRuleDetector({ config: withSettingsLists(rules, config) });
}

/** The screen. Resolves with the exit code. */
export async function runTui(engine: Engine, sources: Source[], config: Config, pace?: ConsumeOptions['pace'], stdin?: NodeJS.ReadStream): Promise<number> {
  const ui = await import('./ui/run-tui.js');
  // a replay source carries its pacer (src/ingest/replay/): the screen's space, +, - and ] drive it
  const replay = replayOf(sources)?.pacer;
  return ui.runTui(engine, sources, config, { ...(pace ? { pace } : {}), ...(replay ? { replay } : {}), ...(stdin ? { stdin } : {}) });
}

/** `auditop demo`. Until the screen's live demo exists: replay the saved demo logs and report. */
export async function runDemo(config: Config, io: RunIO): Promise<number> {
  // On a terminal: the live demo (src/demo/demo.ts) followed on screen. Headless: a finite report.
  if (config.tui) {
    const demo = await import('./demo/demo.js');
    return demo.runDemo(config, io);
  }
  const paths = DEMO_LOGS.map((f) => join(demoLogsDir(), f));
  const engine = new Engine({ bufferEvents: config.bufferEvents, bufferBytes: config.bufferBytes, detector: createDetector({ ...config, rulesFile: undefined }) });
  await assertReadable(paths);
  await consume(openFileSource(paths, { maxLineBytes: config.maxLineBytes }), engine);
  io.stdout.write(formatReport(engine, paths.map((p) => `demo-logs/${p.split('/').pop() ?? p}`)));
  return 0;
}

/** Saved logs the headless demo reports on, in order. */
const DEMO_LOGS = ['quiet-day.log'];

/** demo-logs/ of the checkout this file runs from (dist/run.js → ../demo-logs). */
export function demoLogsDir(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', 'demo-logs');
}

// ------------------------------------------------------------------------------------------------

export async function run(config: Config, io: RunIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (config.mode === 'demo') return runDemo(config, io);
  const detector = createDetector(config);
  const engine = new Engine({ bufferEvents: config.bufferEvents, bufferBytes: config.bufferBytes, detector, filter: createFilter(config) });
  const sources = await createSources(config, engine);
  const pace = createPacer(config, sources);
  const alertsFile = config.alertsFile === undefined ? undefined : openAlertsFile(config.alertsFile, engine);
  try {
    if (config.tui && config.paths.includes('-')) {
      // stdin is the data: the keys come from the terminal itself, or there is no screen
      const keys = openTtyKeys();
      if (keys === null) {
        io.stderr.write('auditop: stdin is the data and there is no terminal (/dev/tty) to read keys from: running headless\n');
        return await runHeadless(engine, sources, { ...config, tui: false }, io, pace);
      }
      try {
        return await runTui(engine, sources, config, pace, keys as unknown as NodeJS.ReadStream);
      } finally {
        keys.destroy();
      }
    }
    if (config.tui) return await runTui(engine, sources, config, pace);
    return await runHeadless(engine, sources, config, io, pace);
  } finally {
    alertsFile?.close();
  }
}

/** Append every alert to FILE as one JSON line, written through at once (a crash loses nothing). */
function openAlertsFile(path: string, engine: Engine): { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (err) {
    throw new SourceError(path, (err as { code?: string }).code ?? 'EIO', `cannot write --alerts-file ${path}: ${(err as Error).message}`);
  }
  const off = engine.subscribe({ onAlert: (a) => void writeSync(fd, `${JSON.stringify(alertRecord(a))}\n`) });
  return {
    close: () => {
      off();
      closeSync(fd);
    },
  };
}

/**
 * Headless: JSON lines on stdout, diagnostics on stderr. Ends when every source ends, or on
 * SIGINT/SIGTERM/SIGHUP (sources are closed, what was read is flushed, the summary printed): exit 0.
 */
export async function runHeadless(engine: Engine, sources: Source[], config: Config, io: RunIO, pace?: ConsumeOptions['pace']): Promise<number> {
  const writer = new LineWriter(io.stdout);
  const offPrinter = attachPrinter(engine, config.print, writer);
  const offNotice = engine.subscribe({ onNotice: (source, message) => void io.stderr.write(`auditop: ${source}: ${message}\n`) });
  const probe = benchProbe(engine, io);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const s of sources) void s.close();
  };
  writer.whenBroken(stop); // the reader of our stdout went away (`| head`): nothing left to do
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = (): void => {
    if (stopping) process.exit(130); // a second Ctrl-C: the user means it
    stop();
  };
  for (const s of signals) process.on(s, onSignal);

  try {
    await Promise.all(
      sources.map((s) =>
        consume(s, engine, {
          ...(pace ? { pace } : {}),
          afterBatch: () => {
            probe?.();
            return writer.flush();
          },
        }),
      ),
    );
  } finally {
    for (const s of signals) process.off(s, onSignal);
    offPrinter();
    offNotice();
    await Promise.all(sources.map((s) => s.close()));
  }
  if (config.print === 'summary') writer.line(JSON.stringify(summaryRecord(engine.summary())));
  await writer.flush();
  probe?.(true);
  return 0;
}

/**
 * For `npm run bench` only: with AUDITOP_BENCH_PROBE=1 the run reports its memory on stderr as
 * `auditop-bench {"events":N,"rss":B,"heapUsed":B}` lines each time the event count passes a
 * multiple of 100,000, and `{"final":true,"maxRSS":B}` at the end (maxRSS from the kernel, so it
 * includes peaks). AUDITOP_BENCH_GC_AT="300000,1000000" forces a full GC before the samples at those
 * counts when node runs with --expose-gc, so they show live memory rather than GC timing.
 */
function benchProbe(engine: Engine, io: RunIO): ((final?: boolean) => void) | undefined {
  if (process.env.AUDITOP_BENCH_PROBE !== '1') return undefined;
  const STEP = 100_000;
  const gcAt = new Set((process.env.AUDITOP_BENCH_GC_AT ?? '').split(',').filter(Boolean).map(Number));
  const gc = (globalThis as { gc?: () => void }).gc;
  let next = STEP;
  return (final = false) => {
    while (engine.counts.events >= next) {
      const forced = gc !== undefined && gcAt.has(next);
      if (forced) gc();
      const m = process.memoryUsage();
      io.stderr.write(`auditop-bench ${JSON.stringify({ events: next, rss: m.rss, heapUsed: m.heapUsed, gc: forced })}\n`);
      next += STEP;
    }
    if (final) {
      const u = process.resourceUsage();
      const decode = { decodeWorker: decodeStats.worker > 0, mainThreadCPU: threadCpuSeconds(), workerCPU: decodeStats.workerCpuSeconds, linesDecodedOnMain: decodeStats.linesDecodedHere };
      io.stderr.write(`auditop-bench ${JSON.stringify({ final: true, events: engine.counts.events, maxRSS: u.maxRSS * 1024, userCPU: u.userCPUTime / 1e6, systemCPU: u.systemCPUTime / 1e6, ...decode })}\n`);
    }
  };
}
