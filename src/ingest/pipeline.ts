/**
 * Drives a Source into the engine: decodes each batch of lines, hands every SourceItem kind to the
 * engine, and gives the event loop a turn between batches so keys, timers and the screen stay live
 * while a file replays at full speed.
 */
import type { AuditEvent } from '../model/event.js';
import type { MalformedLine } from '../model/types.js';
import type { Engine } from '../model/engine.js';
import { decodeLine, type DecodeSink } from './decode.js';
import type { Source } from './source.js';

export interface ConsumeOptions {
  /**
   * Replay pacing (ARCH.md): called with each event's time before the engine sees it; when it
   * returns a promise, the pipeline waits for it. Undefined = no pacing (--speed max, follow).
   */
  pace?: (tsMs: number) => Promise<void> | undefined;
  /**
   * Called after each batch has gone into the engine (printers flush here); a returned promise is
   * awaited, which is how stdout backpressure reaches the reader.
   */
  afterBatch?: () => Promise<void> | undefined;
}

/** Give timers, I/O callbacks and keypresses a turn (a resolved promise would not: microtasks starve them). */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Collects a batch's decoded events so the pacer can be asked about each before the engine sees it. */
class BatchSink implements DecodeSink {
  events: AuditEvent[] = [];
  constructor(private readonly engine: Engine) {}
  event(ev: AuditEvent): void {
    this.events.push(ev);
  }
  malformed(m: MalformedLine): void {
    this.engine.malformed(m);
  }
}

/**
 * Consume `source` until it ends (replay) or is closed (follow). Rejects with the source's error
 * (e.g. SourceError for an unreadable file); never because of a bad line.
 */
export async function consume(source: Source, engine: Engine, opts: ConsumeOptions = {}): Promise<void> {
  const pace = opts.pace;
  const batch = pace ? new BatchSink(engine) : null;
  for await (const item of source.items()) {
    switch (item.kind) {
      case 'lines': {
        if (batch && pace) {
          batch.events = [];
          for (const line of item.lines) decodeLine(line, item.source, batch);
          for (const ev of batch.events) {
            const wait = pace(ev.ts);
            if (wait) await wait;
            engine.event(ev);
          }
        } else {
          // Unpaced: decode straight into the engine (no intermediate array).
          for (const line of item.lines) decodeLine(line, item.source, engine);
        }
        break;
      }
      case 'long':
        engine.skippedLong(item.bytes, item.source);
        break;
      case 'notice':
        engine.notice(item.source, item.message);
        break;
      case 'gap':
        engine.gap(item.gap);
        break;
      case 'progress':
        engine.progress({ source: item.source, bytesRead: item.bytesRead, bytesTotal: item.bytesTotal });
        break;
      default: {
        const never: never = item;
        void never;
      }
    }
    if (opts.afterBatch) {
      const p = opts.afterBatch();
      if (p) await p;
    }
    await yieldToLoop();
  }
}
