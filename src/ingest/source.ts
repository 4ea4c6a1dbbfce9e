import type { GapInfo } from '../detect/types.js';
import type { LineBytes } from './lines.js';

/**
 * What a source yields. Sources hand over whole lines in batches (one read chunk's worth) so the
 * pipeline pays the async-iteration cost once per chunk, not once per line.
 */
export type SourceItem =
  /**
   * complete lines, in order, without line endings (empty lines included: the decoder counts them);
   * `bytes`, when given, says where each line's UTF-8 bytes are (see LineBytes)
   */
  | { kind: 'lines'; source: string; lines: string[]; bytes?: LineBytes }
  /** a line over the limit was skipped while it streamed past; `bytes` is its length */
  | { kind: 'long'; source: string; bytes: number }
  /** something the operator should see in the status bar: "waiting for …", "rotated", "polling (inotify limit)" */
  | { kind: 'notice'; source: string; message: string }
  /** a provable loss of log data (follower) */
  | { kind: 'gap'; gap: GapInfo }
  /** replay progress through the current file, in bytes of the file on disk (compressed for .gz); bytesTotal 0 = unknown (a pipe) */
  | { kind: 'progress'; source: string; bytesRead: number; bytesTotal: number };

/**
 * A stream of log lines. Backpressure is the async iteration itself: a source reads no further
 * ahead than a bounded amount (one chunk) until the consumer asks for the next item.
 */
export interface Source {
  readonly name: string;
  /** ends when the source ends (replay); in follow mode it only ends after close() */
  items(): AsyncIterable<SourceItem>;
  /** idempotent; releases watchers and file handles and makes items() finish */
  close(): Promise<void>;
}
