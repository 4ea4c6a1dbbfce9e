import { fileURLToPath } from 'node:url';
import { decodeLine } from '../../src/ingest/decode.js';
import { openFileSource, type FileSourceOptions } from '../../src/ingest/file-source.js';
import type { SourceItem } from '../../src/ingest/source.js';
import type { AuditEvent } from '../../src/model/event.js';
import type { MalformedLine } from '../../src/model/types.js';

export const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));

export interface Collected {
  events: AuditEvent[];
  malformed: MalformedLine[];
  /** byte lengths of skipped over-long lines */
  long: number[];
  notices: string[];
  items: SourceItem[];
}

/** Runs files through openFileSource + decodeLine, the way the pipeline does, and collects everything. */
export async function readAll(paths: string[], opts: Partial<FileSourceOptions> = {}): Promise<Collected> {
  const out: Collected = { events: [], malformed: [], long: [], notices: [], items: [] };
  const sink = { event: (ev: AuditEvent) => out.events.push(ev), malformed: (m: MalformedLine) => out.malformed.push(m) };
  const src = openFileSource(paths, { maxLineBytes: 16 * 1024 * 1024, ...opts });
  for await (const it of src.items()) {
    out.items.push(it);
    if (it.kind === 'lines') for (const l of it.lines) decodeLine(l, it.source, sink);
    else if (it.kind === 'long') out.long.push(it.bytes);
    else if (it.kind === 'notice') out.notices.push(it.message);
  }
  await src.close();
  return out;
}

/** decodeLine over a list of lines into arrays. */
export function decodeAll(lines: string[], source = 'test'): { events: AuditEvent[]; malformed: MalformedLine[] } {
  const events: AuditEvent[] = [];
  const malformed: MalformedLine[] = [];
  for (const l of lines) decodeLine(l, source, { event: (e) => events.push(e), malformed: (m) => malformed.push(m) });
  return { events, malformed };
}

/** Every field of an event as a plain object, raw included (a PackedEvent's or StoredEvent's raw is a getter). */
export function eventFields(ev: AuditEvent): Record<string, unknown> {
  return {
    ts: ev.ts,
    time: ev.time,
    receivedTs: ev.receivedTs,
    auditID: ev.auditID,
    stage: ev.stage,
    verb: ev.verb,
    user: ev.user,
    groups: [...ev.groups],
    impersonatedUser: ev.impersonatedUser,
    impersonatedGroups: [...ev.impersonatedGroups],
    sourceIP: ev.sourceIP,
    userAgent: ev.userAgent,
    apiGroup: ev.apiGroup,
    apiVersion: ev.apiVersion,
    resource: ev.resource,
    subresource: ev.subresource,
    namespace: ev.namespace,
    name: ev.name,
    code: ev.code,
    reason: ev.reason,
    decision: ev.decision,
    uri: ev.uri,
    level: ev.level,
    latencyMs: ev.latencyMs,
    hasRequestObject: ev.hasRequestObject,
    hasResponseObject: ev.hasResponseObject,
    raw: ev.raw,
    source: ev.source,
  };
}
