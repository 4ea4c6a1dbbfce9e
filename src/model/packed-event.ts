import type { AuditEvent } from './event.js';
import type { RawStore, Slab } from './raw-store.js';
import { SplitTimes } from './smi-pair.js';

/**
 * An AuditEvent rebuilt on the main thread from a batch the decode worker sent (src/ingest/offload.ts):
 * every field is a plain value, and `raw` stays as UTF-8 bytes in the shared slab the worker wrote
 * it into (raw-store.ts) until someone reads it. When the engine buffers it, the event is its own
 * stored copy (adopt(): its bytes are counted as live in that slab, nothing is copied), saving the
 * copy of every field a StoredEvent makes.
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
  /**
   * The shared slab holding the JSON text at `off`/`len` (RawRef fields); null once the batch was
   * released without the event being buffered (its bytes may then be written over).
   */
  slab: Slab | null = null;
  off = 0;
  len = 0;
  /** buffered by the engine (its bytes are counted live in the slab until release()) */
  adopted = false;

  /** The event's JSON text; '' for an event never buffered (filtered out) once its batch was released. */
  get raw(): string {
    if (this.slab !== null) return this.slab.store.get(this as { slab: Slab; off: number; len: number });
    return '';
  }

  /** Whether `store` can buffer this very event (adopt()): not yet buffered, and its bytes are in that store's slabs. */
  adoptableBy(store: RawStore): boolean {
    return !this.adopted && this.slab !== null && this.slab.store === store;
  }

  /** The engine buffers this event: its bytes stay where they are and count as live (see adoptableBy). */
  adopt(): void {
    const slab = this.slab as Slab;
    this.adopted = true;
    slab.store.adoptShared(slab, this.len);
  }

  /** give the raw bytes back to the store (the row was evicted or replaced) */
  release(): void {
    if (!this.adopted) return;
    this.adopted = false;
    (this.slab as Slab).store.release(this as { slab: Slab; off: number; len: number });
  }

  /** The batch was consumed: an event not buffered stops reading its slab (which may be written over). */
  seal(): void {
    if (!this.adopted) this.slab = null;
  }
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];
