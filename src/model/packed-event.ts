import type { AuditEvent } from './event.js';
import { isTransient, type RawStore, type Slab } from './raw-store.js';
import { SplitTimes } from './smi-pair.js';

/**
 * An AuditEvent rebuilt on the main thread from a batch the decode worker sent (src/ingest/offload.ts):
 * every field is a plain value, and `raw` stays as UTF-8 bytes in the batch's transferred buffer
 * until someone reads it. When the engine buffers it, the event is its own stored copy (adopt():
 * its bytes go into the raw store as they are), saving the copy of every field a StoredEvent makes.
 */
export class PackedEvent extends SplitTimes implements AuditEvent {
  // ts = NaN, receivedTs = NaN, latencyMs = -1: accessors of SplitTimes (see smi-pair.ts)
  time = '';
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
  hasRequestObject = false;
  hasResponseObject = false;
  source = '';
  /** the batch's raw bytes (null once adopted or sealed); `off`/`len` say where the JSON text is in them */
  rawBuf: Buffer | null = EMPTY_BUF;
  /** once adopted by the engine: the raw store's slab holding the bytes, at `off`/`len` (RawRef fields) */
  slab: Slab | null = null;
  off = 0;
  len = 0;

  /**
   * The event's JSON text: from the engine's raw store once the event is buffered (as a row's event
   * reads it), else from the batch's bytes while the batch is being consumed; '' for an event never
   * buffered (filtered out) once its batch's buffer went back to the worker.
   */
  get raw(): string {
    if (this.slab !== null) return this.slab.store.get(this as { slab: Slab; off: number; len: number });
    if (this.rawBuf !== null) return this.rawBuf.toString('utf8', this.off, this.off + this.len);
    return '';
  }

  /** The engine buffers this event: its bytes go into `store` (see StoredEvent for the contract). */
  adopt(store: RawStore): void {
    // putBytes reads the batch offsets (its arguments) before it writes the slab's into off/len
    store.putBytes(this.rawBuf as Buffer, this.off, this.len, this as { slab: Slab; off: number; len: number }, isTransient(this.stage));
    this.rawBuf = null;
  }

  /** Whether adopt() can be called: not yet buffered, and the batch's bytes are still here. */
  get adoptable(): boolean {
    return this.slab === null && this.rawBuf !== null;
  }

  /** give the raw bytes back to the store (the row was evicted or replaced) */
  release(): void {
    this.slab?.store.release(this as { slab: Slab; off: number; len: number });
  }

  /** The batch's buffer is about to be reused: stop reading it. */
  seal(): void {
    this.rawBuf = null;
  }
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];
const EMPTY_BUF = Buffer.alloc(0);
