import { copyEventFields, type AuditEvent, type EventFields } from './event.js';
import { EventTexts } from './event-texts.js';
import { PackedEvent } from './packed-event.js';
import { isTransient, type RawStore, type Slab } from './raw-store.js';

// Its plain fields (all but the times, which SplitTimes keeps, and uri and name, which EventTexts
// keeps) are declared by this interface and set by copyEventFields, the one list of them.
export interface StoredEvent extends Omit<EventFields, 'ts' | 'receivedTs' | 'latencyMs' | 'uri' | 'name'> {}

/**
 * The copy of an event a buffered row keeps (RequestRow.ev): every AuditEvent field, with `raw`
 * kept in the RawStore (see raw-store.ts for why) and decoded on each read. Read `raw` once and keep
 * the string if you need it repeatedly. `ts`, `receivedTs` and `latencyMs` are kept as pairs of
 * small integers (smi-pair.ts), and `time`, `uri` and `name` as places in the raw bytes where they
 * are there as they are (event-texts.ts), all behind accessors, so `{...ev}` and JSON.stringify(ev)
 * leave them and `raw` out.
 */
export class StoredEvent extends EventTexts implements AuditEvent {
  /**
   * `bytes`, when given, are the UTF-8 bytes `ev.raw` was decoded from (the line as read): they are
   * copied as they are instead of encoding `ev.raw` again, or kept where they are when they lie in
   * a shared slab of `store` (`bytes.slab`).
   */
  constructor(
    ev: AuditEvent,
    store: RawStore,
    bytes: { buf: Buffer; start: number; end: number; slab?: Slab | null } | null = null,
  ) {
    super();
    const transient = isTransient(ev.stage);
    const at = this as { slab: Slab; off: number; len: number };
    if (ev instanceof PackedEvent && ev.slab !== null) {
      copyEventFields(this, ev);
      // the same bytes: its refs hold here too
      this.timeRef = ev.timeRef;
      this.uriRef = ev.uriRef;
      this.nameRef = ev.nameRef;
      store.putBytes(ev.slab.buf, ev.off, ev.len, at, transient);
      return;
    }
    copyEventFields(this, ev);
    this.time = ev.time;
    if (bytes !== null && bytes.slab != null && bytes.slab.store === store) {
      // already in a shared slab of this store (a line the decode worker left to this thread): keep it there
      this.slab = bytes.slab;
      this.off = bytes.start;
      this.len = bytes.end - bytes.start;
      store.adoptShared(bytes.slab, this.len);
    } else if (bytes !== null) store.putBytes(bytes.buf, bytes.start, bytes.end - bytes.start, at, transient);
    else store.put(ev.raw, at, transient);
    this.refTexts(ev.raw);
  }

  /** the event's JSON text, decoded from the raw store */
  get raw(): string {
    return (this.slab as Slab).store.get(this as { slab: Slab; off: number; len: number });
  }

  /** give the raw bytes back to the store (the row was evicted or replaced) */
  release(): void {
    (this.slab as Slab).store.release(this as { slab: Slab; off: number; len: number });
  }
}
