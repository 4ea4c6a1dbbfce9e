import type { AuditEvent } from './event.js';

/**
 * An AuditEvent rebuilt on the main thread from a batch the decode worker sent (src/ingest/offload.ts):
 * every field is a plain value, and `raw` stays as UTF-8 bytes in the batch's transferred buffer
 * until someone reads it. The engine copies those bytes into its raw store as they are (no decode to
 * a string and re-encode), which is why this is a class the engine can recognise.
 */
export class PackedEvent implements AuditEvent {
  ts = NaN;
  time = '';
  receivedTs = NaN;
  auditID = '';
  stage = '';
  verb = '';
  user = '';
  groups: string[] = NO_GROUPS;
  impersonatedUser = '';
  impersonatedGroups: string[] = NO_GROUPS;
  sourceIP = '';
  userAgent = '';
  apiGroup = '';
  apiVersion = '';
  resource = '';
  subresource = '';
  namespace = '';
  name = '';
  code = 0;
  reason = '';
  decision = '';
  uri = '';
  level = '';
  latencyMs = -1;
  hasRequestObject = false;
  hasResponseObject = false;
  source = '';
  /** the batch's raw bytes and where this event's JSON text is in them (null once sealed) */
  rawBuf: Buffer | null = EMPTY_BUF;
  rawOff = 0;
  rawLen = 0;
  /** the engine's stored copy of this event (set when the engine buffers it) */
  copy: { readonly raw: string } | null = null;

  /**
   * The event's JSON text: decoded from the batch's bytes while the batch is being consumed; after
   * that (the buffer went back to the worker) from the engine's stored copy, as a row's event reads it.
   */
  get raw(): string {
    if (this.rawBuf !== null) return this.rawBuf.toString('utf8', this.rawOff, this.rawOff + this.rawLen);
    return this.copy?.raw ?? '';
  }

  /** The batch's buffer is about to be reused: stop reading it. */
  seal(): void {
    this.rawBuf = null;
  }
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];
const EMPTY_BUF = Buffer.alloc(0);
