import type { AuditEvent } from './event.js';
import type { RawStore, Slab } from './raw-store.js';
import { EventTexts } from './event-texts.js';

/** The dictionary-coded string fields of an event, in the order the decode worker sends them. */
export const PROFILE_STRINGS = [
  'stage',
  'verb',
  'user',
  'impersonatedUser',
  'sourceIP',
  'userAgent',
  'apiGroup',
  'apiVersion',
  'resource',
  'subresource',
  'namespace',
  'reason',
  'decision',
  'level',
] as const;

/**
 * The dictionary-coded fields of a PackedEvent: one frozen object shared by every event that has the
 * same ones (the decode worker numbers the combinations: batch-codec.ts ProfileTable). The bench
 * traffic has ~1,700 of them in 200k events, so a buffered event holds one pointer instead of 16.
 */
export type Profile = { readonly [K in (typeof PROFILE_STRINGS)[number]]: string } & {
  readonly groups: string[];
  readonly impersonatedGroups: string[];
};

/**
 * A profile: `str(k)` gives the value of PROFILE_STRINGS[k], called in that order. Built field by field
 * in one order, so every profile has the same shape (the accessors below stay monomorphic).
 */
export function makeProfile(str: (k: number) => string, groups: string[], impersonatedGroups: string[]): Profile {
  const p: Record<string, unknown> = {};
  for (let k = 0; k < PROFILE_STRINGS.length; k++) p[PROFILE_STRINGS[k] as string] = str(k);
  p.groups = groups;
  p.impersonatedGroups = impersonatedGroups;
  return Object.freeze(p) as Profile;
}

const NO_GROUPS: string[] = Object.freeze([]) as unknown as string[];
const EMPTY_PROFILE = makeProfile(() => '', NO_GROUPS, NO_GROUPS);

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
  /** the dictionary-coded fields, shared (read through the accessors below; a write gives this event its own copy) */
  p: Profile = EMPTY_PROFILE;
  code = 0;
  hasRequestObject = false;
  hasResponseObject = false;
  source = '';
  /** buffered by the engine (its bytes are counted live in the slab until release()) */
  adopted = false;

  get stage(): string {
    return this.p.stage;
  }
  set stage(v: string) {
    this.own('stage', v);
  }
  get verb(): string {
    return this.p.verb;
  }
  set verb(v: string) {
    this.own('verb', v);
  }
  get user(): string {
    return this.p.user;
  }
  set user(v: string) {
    this.own('user', v);
  }
  get groups(): string[] {
    return this.p.groups;
  }
  set groups(v: string[]) {
    this.own('groups', v);
  }
  get impersonatedUser(): string {
    return this.p.impersonatedUser;
  }
  set impersonatedUser(v: string) {
    this.own('impersonatedUser', v);
  }
  get impersonatedGroups(): string[] {
    return this.p.impersonatedGroups;
  }
  set impersonatedGroups(v: string[]) {
    this.own('impersonatedGroups', v);
  }
  get sourceIP(): string {
    return this.p.sourceIP;
  }
  set sourceIP(v: string) {
    this.own('sourceIP', v);
  }
  get userAgent(): string {
    return this.p.userAgent;
  }
  set userAgent(v: string) {
    this.own('userAgent', v);
  }
  get apiGroup(): string {
    return this.p.apiGroup;
  }
  set apiGroup(v: string) {
    this.own('apiGroup', v);
  }
  get apiVersion(): string {
    return this.p.apiVersion;
  }
  set apiVersion(v: string) {
    this.own('apiVersion', v);
  }
  get resource(): string {
    return this.p.resource;
  }
  set resource(v: string) {
    this.own('resource', v);
  }
  get subresource(): string {
    return this.p.subresource;
  }
  set subresource(v: string) {
    this.own('subresource', v);
  }
  get namespace(): string {
    return this.p.namespace;
  }
  set namespace(v: string) {
    this.own('namespace', v);
  }
  get reason(): string {
    return this.p.reason;
  }
  set reason(v: string) {
    this.own('reason', v);
  }
  get decision(): string {
    return this.p.decision;
  }
  set decision(v: string) {
    this.own('decision', v);
  }
  get level(): string {
    return this.p.level;
  }
  set level(v: string) {
    this.own('level', v);
  }

  /** A write: this event gets a profile of its own (the shared one is frozen and others hold it). */
  private own<K extends keyof Profile>(k: K, v: Profile[K]): void {
    if (this.p[k] !== v) this.p = Object.freeze({ ...this.p, [k]: v });
  }

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

