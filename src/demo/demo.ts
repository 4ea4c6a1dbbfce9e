/**
 * `auditop demo`: a self-contained live cluster. A writer appends realistic traffic
 * (src/demo/traffic.ts) and a scripted incident (src/demo/incident.ts) to `audit.log` in a temporary
 * directory at wall-clock pace, rotating it lumberjack-style (kube-apiserver's own rotation:
 * `audit.log` → `audit-2026-11-21T10-00-00.000.log`, then a fresh `audit.log`) every few thousand
 * lines, while the screen follows it through the real follower. A newcomer sees every pane move
 * within seconds: a minute of history is written before the screen starts, and the first incident
 * step lands a few seconds in.
 */
import { closeSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import type { RunIO } from '../run.js';
import { incidentEvents, scriptIncident } from './incident.js';
import { generateTraffic } from './traffic.js';

type EventObject = Record<string, unknown>;

/** stageTimestamp (else requestReceivedTimestamp) of an event object, ms; NaN when absent. */
export function eventTime(ev: EventObject): number {
  const s = typeof ev.stageTimestamp === 'string' ? ev.stageTimestamp : typeof ev.requestReceivedTimestamp === 'string' ? ev.requestReceivedTimestamp : '';
  return s === '' ? NaN : Date.parse(s);
}

export interface DemoWriterOptions {
  dir: string;
  /** the live log's name in `dir` */
  file?: string;
  seed?: number;
  /** audit events per second of traffic */
  eventsPerSecond?: number;
  /** rotate after this many lines, as lumberjack does at --audit-log-maxsize */
  rotateLines?: number;
  /** rotated backups kept (lumberjack's --audit-log-maxbackup) */
  maxBackups?: number;
  /** event time written at once before the live part starts, so the screen is not empty */
  historyMs?: number;
  /**
   * The scripted incident's events starting at `start` (src/demo/incident.ts), `run` numbering
   * repeats; none = traffic only.
   */
  incident?: ((start: number, stepMs: number, run: number) => EventObject[]) | null;
  /** the first incident step comes this long after the start */
  incidentDelayMs?: number;
  /** event time between incident steps */
  incidentStepMs?: number;
  /** the incident replays this often (a demo left open keeps showing something) */
  incidentEveryMs?: number;
  /** wall clock */
  now?: () => number;
}

/** 40 lines a second: busy enough for the rate sparkline and the top-N bars, calm enough to read. */
export const DEMO_EVENTS_PER_SECOND = 40;
/** ~75 s of traffic per file: a rotation within the first minute or two of the demo. */
export const DEMO_ROTATE_LINES = 3000;
/** How often the writer appends: 10 times a second looks continuous and costs nothing. */
export const DEMO_TICK_MS = 100;

/** lumberjack's backup name: `<name>-<UTC time as 2006-01-02T15-04-05.000><ext>`. */
export function lumberjackName(file: string, ms: number): string {
  const dot = file.lastIndexOf('.');
  const base = dot > 0 ? file.slice(0, dot) : file;
  const ext = dot > 0 ? file.slice(dot) : '';
  const stamp = new Date(ms).toISOString().slice(0, 23).replace(/:/g, '-');
  return `${base}-${stamp}${ext}`;
}

/** Writes the demo's log: traffic and the incident, merged in event-time order, with rotation. */
export class DemoWriter {
  readonly path: string;
  linesWritten = 0;
  rotations = 0;
  private readonly o: Required<Omit<DemoWriterOptions, 'dir' | 'file' | 'incident'>> & { dir: string; file: string };
  private readonly script: DemoWriterOptions['incident'];
  private readonly traffic: Iterator<EventObject>;
  private nextTraffic: EventObject | undefined;
  private incident: EventObject[] = [];
  private incidentRun = 0;
  private nextIncidentAt: number;
  private fd: number;
  private linesInFile = 0;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(opts: DemoWriterOptions) {
    this.o = {
      file: 'audit.log',
      seed: 20261121,
      eventsPerSecond: DEMO_EVENTS_PER_SECOND,
      rotateLines: DEMO_ROTATE_LINES,
      maxBackups: 3,
      historyMs: 60_000,
      incidentDelayMs: 3_000,
      incidentStepMs: 5_000,
      incidentEveryMs: 180_000,
      now: Date.now,
      ...opts,
    };
    this.script = opts.incident ?? null;
    this.path = join(this.o.dir, this.o.file);
    const start = this.o.now();
    this.traffic = generateTraffic({ seed: this.o.seed, start: start - this.o.historyMs, eventsPerSecond: this.o.eventsPerSecond });
    this.nextTraffic = this.traffic.next().value;
    this.nextIncidentAt = start + this.o.incidentDelayMs;
    this.fd = openSync(this.path, 'a');
  }

  /** Write the history, then keep appending until stop(). */
  start(): void {
    this.tick();
    this.timer = setInterval(() => this.tick(), DEMO_TICK_MS);
  }

  /** Append everything whose event time has come. */
  tick(): void {
    const now = this.o.now();
    if (this.script && now >= this.nextIncidentAt - this.o.incidentStepMs) this.scheduleIncident();
    let batch = '';
    let n = 0;
    for (;;) {
      const t = this.nextTraffic ? eventTime(this.nextTraffic) : Infinity;
      const i = this.incident[0] ? eventTime(this.incident[0]) : Infinity;
      const next = Math.min(t, i);
      if (!(next <= now)) break;
      const ev = i <= t ? this.incident.shift() : this.nextTraffic;
      if (i > t) this.nextTraffic = this.traffic.next().value;
      batch += `${JSON.stringify(ev)}\n`;
      n++;
      if (this.linesInFile + n >= this.o.rotateLines) {
        this.append(batch, n);
        batch = '';
        n = 0;
        this.rotate(now);
      }
    }
    if (n > 0) this.append(batch, n);
  }

  private scheduleIncident(): void {
    const evs = this.script ? this.script(this.nextIncidentAt, this.o.incidentStepMs, this.incidentRun++) : [];
    this.incident = [...this.incident, ...evs].sort((a, b) => eventTime(a) - eventTime(b));
    this.nextIncidentAt += this.o.incidentEveryMs;
  }

  private append(text: string, lines: number): void {
    writeSync(this.fd, text);
    this.linesInFile += lines;
    this.linesWritten += lines;
  }

  /** lumberjack: close, rename to the timestamped backup, create a fresh file; drop old backups. */
  rotate(now = this.o.now()): void {
    closeSync(this.fd);
    renameSync(this.path, join(this.o.dir, lumberjackName(this.o.file, now)));
    this.fd = openSync(this.path, 'a');
    this.linesInFile = 0;
    this.rotations++;
    const dot = this.o.file.lastIndexOf('.');
    const prefix = `${dot > 0 ? this.o.file.slice(0, dot) : this.o.file}-`;
    const backups = readdirSync(this.o.dir)
      .filter((f) => f.startsWith(prefix))
      .sort();
    for (const f of backups.slice(0, Math.max(0, backups.length - this.o.maxBackups))) {
      try {
        unlinkSync(join(this.o.dir, f));
      } catch {
        // the follower may be reading it; it keeps its descriptor, the name can go
      }
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}

/**
 * `auditop demo`: the writer appends to `audit.log` in a fresh temporary directory, and auditop
 * follows that file exactly as `auditop <dir>/audit.log` would (the real follower, rotation and
 * all; `--no-tui` prints what `--print` asks for). The directory is removed on the way out.
 */
export async function runDemo(config: Config, io: RunIO): Promise<number> {
  const { run } = await import('../run.js');
  const dir = mkdtempSync(join(tmpdir(), 'auditop-demo-'));
  const writer = new DemoWriter({ dir, incident: (start, stepMs, n) => incidentEvents(scriptIncident({ start, stepMs, run: n })) });
  const cleanup = (): void => {
    writer.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  // a signal ends the process through run()'s handlers; 'exit' covers any other way out
  process.once('exit', cleanup);
  try {
    writer.start();
    return await run({ ...config, mode: 'follow', paths: [writer.path], fromStart: false }, io);
  } finally {
    cleanup();
    process.off('exit', cleanup);
  }
}
