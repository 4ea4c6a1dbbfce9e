import type { AuditEvent } from './event.js';
import type { RawStore, Slab } from './raw-store.js';
import { EventTexts } from './event-texts.js';

/**
 * An AuditEvent rebuilt on the main thread from a batch the decode worker sent (src/ingest/offload.ts):
 * every field is a plain value, and `raw` stays as UTF-8 bytes in the shared slab the worker wrote
 * it into (raw-store.ts) until someone reads it. So do `time`, `uri` and `name` (TextRef, read when
 * asked: few consumers read them per event), unless the worker sent them as strings. When the engine
 * buffers it, the event is its own stored copy (adopt(): its bytes are counted as live in that slab,
 * nothing is copied), saving the copy of every field a StoredEvent makes.
 */
export class PackedEvent extends EventTexts implements AuditEvent {
  // ts = NaN, receivedTs = NaN, latencyMs = -1: accessors of SplitTimes (see smi-pair.ts)
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
  code = 0;
  reason = '';
  decision = '';
  level = '';
  hasRequestObject = false;
  hasResponseObject = false;
  source = '';
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

  /**
   * The batch was consumed: an event not buffered stops reading its slab (which may be written over),
   * keeping its time, uri and name as strings.
   */
  seal(): void {
    if (this.adopted) return;
    this.keepTexts();
    this.slab = null;
  }
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];
