/**
 * Sharing repeated strings between buffered events.
 *
 * Measured on the bench traffic: a buffered event held ~1.1 KB besides its raw line, mostly fresh
 * copies of the same few hundred user names, user agents, groups and resource names that JSON.parse
 * produced for every line. Replacing them with one shared copy cuts the live heap of a full 100k ring
 * by ~50 MB, and the Map lookups that follow (top-N) hit strings whose hash is already computed.
 *
 * Bounded: the table holds at most MAX_INTERNED strings; when full it starts over (a flood of
 * distinct values then costs lookups, never memory).
 */
import type { AuditEvent } from './event.js';

export const MAX_INTERNED = 50_000;
/** Longer values are rarely repeated (or hostile): not worth a table slot. */
const MAX_INTERNED_CHARS = 512;

export class Interner {
  private table = new Map<string, string>();
  /** per user: the groups list last seen, frozen and shared while it stays the same */
  private groupsByUser = new Map<string, string[]>();

  str(s: string): string {
    if (s.length === 0 || s.length > MAX_INTERNED_CHARS) return s;
    const hit = this.table.get(s);
    if (hit !== undefined) return hit;
    if (this.table.size >= MAX_INTERNED) {
      this.table = new Map();
      this.groupsByUser = new Map();
    }
    this.table.set(s, s);
    return s;
  }

  groups(user: string, groups: string[]): string[] {
    if (groups.length === 0) return groups;
    const prev = this.groupsByUser.get(user);
    if (prev !== undefined && sameList(prev, groups)) return prev;
    const shared = Object.freeze(groups.map((g) => this.str(g))) as unknown as string[];
    if (this.groupsByUser.size < MAX_INTERNED) this.groupsByUser.set(user, shared);
    return shared;
  }

  /** Replace the event's repeated strings with shared copies (values are unchanged). */
  event(ev: AuditEvent): void {
    ev.user = this.str(ev.user);
    ev.groups = this.groups(ev.user, ev.groups);
    ev.userAgent = this.str(ev.userAgent);
    ev.sourceIP = this.str(ev.sourceIP);
    ev.verb = this.str(ev.verb);
    ev.stage = this.str(ev.stage);
    ev.level = this.str(ev.level);
    ev.resource = this.str(ev.resource);
    ev.subresource = this.str(ev.subresource);
    ev.namespace = this.str(ev.namespace);
    ev.apiGroup = this.str(ev.apiGroup);
    ev.apiVersion = this.str(ev.apiVersion);
    ev.decision = this.str(ev.decision);
    ev.reason = this.str(ev.reason);
    ev.impersonatedUser = this.str(ev.impersonatedUser);
  }
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
