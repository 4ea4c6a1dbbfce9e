import { LineSplitter, type SplitResult } from './lines.js';
import type { Source, SourceItem } from './source.js';

export interface StdinOptions {
  maxLineBytes: number;
  /** the stream to read (tests pass their own); standard input by default */
  input?: NodeJS.ReadableStream;
  /** the source name carried by every item */
  name?: string;
}

/**
 * `auditop -`: lines from standard input (e.g. `ssh cp1 sudo tail -F … | auditop -`). Async
 * iteration over the stream is the backpressure: the stream is paused while the consumer works,
 * so the pipe fills and the writer waits instead of memory growing. Ends at end of input or close().
 */
export function openStdinSource(opts: StdinOptions): Source {
  const input = opts.input ?? process.stdin;
  const name = opts.name ?? 'stdin';
  let closed = false;
  const toItems = (res: SplitResult): SourceItem[] => {
    const out: SourceItem[] = [];
    if (res.lines.length > 0) out.push({ kind: 'lines', source: name, lines: res.lines });
    for (const bytes of res.longLines) out.push({ kind: 'long', source: name, bytes });
    return out;
  };
  return {
    name,
    async *items(): AsyncGenerator<SourceItem> {
      const splitter = new LineSplitter(opts.maxLineBytes);
      try {
        for await (const chunk of input) {
          if (closed) return;
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
          yield* toItems(splitter.push(buf));
        }
      } catch (e) {
        // Destroying the stream in close() ends the iteration with a premature-close error.
        if (closed) return;
        throw e;
      }
      if (!closed) yield* toItems(splitter.end());
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      const s = input as NodeJS.ReadableStream & { destroy?: () => void };
      s.destroy?.();
    },
  };
}
