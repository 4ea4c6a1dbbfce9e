import type { Slab } from './raw-store.js';
import { SplitTimes } from './smi-pair.js';

/**
 * Where a time, uri or name is in an event's raw JSON bytes: (byte offset from the raw's start) <<
 * TEXT_REF_LEN_BITS | byte length, those bytes being the value's characters one for one (ASCII).
 * 0 is the empty string. Small enough to stay a small integer in a field: no heap object.
 *
 * Why: a buffered event's own strings are most of what the GC copies and promotes per row that
 * nothing else shares (the dictionary-coded fields are shared). Measured on the 1M-event bench
 * replay: time, uri and name as refs instead of strings, ~190 B less per buffered row, 20 MB less
 * peak RSS and less scavenging on the main thread, which leaves room for a larger heap
 * growth factor within the 400 MB target (cli.ts).
 */
export type TextRef = number;
export const TEXT_REF_LEN_BITS = 8;
export const TEXT_REF_MAX_LEN = (1 << TEXT_REF_LEN_BITS) - 1;
/** the largest offset whose ref is still a positive int32 */
export const TEXT_REF_MAX_AT = (1 << (31 - TEXT_REF_LEN_BITS)) - 1;

/**
 * `value`'s TextRef in `raw` (any occurrence: the same characters are the same value), or -1 when
 * it is not there as it is. `ascii`: `raw`'s UTF-8 is as long as it is, so a character offset is a
 * byte offset. Exact by construction: only a value found character for character is referenced.
 */
export function findTextRef(value: string, raw: string, ascii: boolean, fromEnd = false): number {
  if (value === '') return 0;
  if (!ascii || value.length > TEXT_REF_MAX_LEN) return -1;
  // fromEnd, for the time: the API server writes stageTimestamp near the end of a line (measured in
  // the decode worker: ~170 against ~235 ns a search from the start).
  const at = fromEnd ? raw.lastIndexOf(value) : raw.indexOf(value);
  return at >= 0 && at <= TEXT_REF_MAX_AT ? (at << TEXT_REF_LEN_BITS) | value.length : -1;
}

/**
 * What a buffered event (StoredEvent, PackedEvent) keeps of its raw JSON: where the bytes are
 * (RawRef fields: `slab`, `off`, `len`), and `time`, `uri` and `name` as TextRefs into them where
 * they are there as they are, read back when asked (few consumers read them per event: the screen's
 * visible rows, search, filters naming them, alerts). The bytes are valid while the event is
 * buffered, as for `raw`.
 */
export class EventTexts extends SplitTimes {
  /** time, uri, name: a TextRef into the raw bytes, or the value itself */
  timeRef: TextRef | string = '';
  uriRef: TextRef | string = '';
  nameRef: TextRef | string = '';
  /** the slab holding the raw JSON at `off`/`len`; null when there is none (see PackedEvent) */
  slab: Slab | null = null;
  off = 0;
  len = 0;

  get time(): string {
    const r = this.timeRef;
    return typeof r === 'string' ? r : this.text(r);
  }
  set time(v: string) {
    this.timeRef = v;
  }
  get uri(): string {
    const r = this.uriRef;
    return typeof r === 'string' ? r : this.text(r);
  }
  set uri(v: string) {
    this.uriRef = v;
  }
  get name(): string {
    const r = this.nameRef;
    return typeof r === 'string' ? r : this.text(r);
  }
  set name(v: string) {
    this.nameRef = v;
  }

  /** Turn the string values found in `raw` (the text of the bytes at off/len) into refs. */
  protected refTexts(raw: string): void {
    const ascii = raw.length === this.len;
    if (!ascii) return;
    this.timeRef = refOrValue(this.timeRef, raw, true);
    this.uriRef = refOrValue(this.uriRef, raw);
    this.nameRef = refOrValue(this.nameRef, raw);
  }

  /** Keep time, uri and name as strings: the raw bytes are about to be let go. */
  protected keepTexts(): void {
    if (typeof this.timeRef === 'number') this.timeRef = this.time;
    if (typeof this.uriRef === 'number') this.uriRef = this.uri;
    if (typeof this.nameRef === 'number') this.nameRef = this.name;
  }

  private text(r: TextRef): string {
    const n = r & TEXT_REF_MAX_LEN;
    const slab = this.slab;
    if (n === 0 || slab === null) return '';
    const at = this.off + (r >>> TEXT_REF_LEN_BITS);
    return slab.buf.toString('latin1', at, at + n);
  }
}

function refOrValue(v: TextRef | string, raw: string, fromEnd = false): TextRef | string {
  if (typeof v !== 'string') return v;
  const r = findTextRef(v, raw, true, fromEnd);
  return r >= 0 ? r : v;
}
