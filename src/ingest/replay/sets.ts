import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { sourceErrorFrom } from '../file-source.js';

/**
 * What `auditop replay PATH…` reads: files and directories, grouped into rotated sets.
 *
 * A set is the history of one log, oldest file first, read in that order:
 *   lumberjack (kube-apiserver's own rotation, --audit-log-maxbackups):
 *       audit-2026-11-20T09-14-03.123.log[.gz] … ordered by the timestamp in the name, then audit.log
 *   logrotate:      audit.log.3.gz, audit.log.2.gz, audit.log.1, audit.log   highest number first
 *   logrotate dateext: audit.log-20261119[.gz], audit.log-20261120, audit.log  by the date in the name
 * Order comes from names, never from modification times: copying files off a node (scp, kubectl cp)
 * resets those. Several sets (several nodes, several logs) are merged by event time downstream.
 *
 * Files named on the command line are grouped the same way (a shell glob sorts `audit.log` before
 * `audit.log.1`). In a directory (searched recursively) only files that look like JSON logs are taken:
 * the first byte is `{` or `[` or the gzip magic, so kube-apiserver's klog text logs lying next to the
 * audit log are left out (and reported in `skipped`).
 */

export interface ReplayFile {
  path: string;
  /** bytes on disk (compressed size for .gz) when the set was resolved */
  size: number;
  /**
   * a regular file: it can be read twice and at any offset. A pipe (`auditop replay <(ssh cp1 sudo cat
   * audit.log)`) can be read only once, from the start, so it is never probed for its first/last time
   * or sought in.
   */
  regular: boolean;
  /** rotation time from a lumberjack backup name (ms), NaN otherwise: no event in the file is much later */
  rotatedAt: number;
}

export interface ReplaySet {
  /** directory + live name of the log, e.g. "/tmp/cp1/audit.log" */
  name: string;
  files: ReplayFile[];
}

export interface ResolvedInput {
  sets: ReplaySet[];
  /** files in directories that were left out (not JSON or gzip), for a notice */
  skipped: string[];
}

/** lumberjack backupTimeFormat "2006-01-02T15-04-05.000", inserted before the extension */
const LUMBERJACK = /^(.+)-(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d{1,9})?)(\.[^.\d][^.]*)?(\.gz)?$/;
/** logrotate's numbered rotation: audit.log.1, audit.log.2.gz */
const NUMBERED = /^(.+)\.(\d{1,6})(\.gz)?$/;
/** logrotate's dateext: audit.log-20261120 or audit.log-2026112014 (with dateformat -%Y%m%d%H) */
const DATEEXT = /^(.+)-(\d{8}(?:\d{2})?)(\.gz)?$/;

export interface RotationName {
  /** the live file's name this file belongs to */
  base: string;
  /** sort key inside the set: older first */
  order: [rank: number, key: number | string];
  /** rotation time from a lumberjack name, NaN otherwise */
  rotatedAt: number;
}

/** Rank of the kinds within one set: dated backups, then numbered ones, then the live file. */
const RANK_DATED = 0;
const RANK_NUMBERED = 1;
const RANK_LIVE = 2;

/** Which set a file name belongs to and where it sorts in it. */
export function rotationName(name: string): RotationName {
  let m = LUMBERJACK.exec(name);
  if (m !== null) {
    const stamp = m[2]!;
    // "2026-11-20T09-14-03.123" → "2026-11-20T09:14:03.123Z" (lumberjack writes UTC unless LocalTime is set)
    const iso = `${stamp.slice(0, 13)}:${stamp.slice(14, 16)}:${stamp.slice(17)}Z`;
    return { base: `${m[1]}${m[3] ?? ''}`, order: [RANK_DATED, stamp], rotatedAt: Date.parse(iso) };
  }
  m = NUMBERED.exec(name);
  if (m !== null) return { base: m[1]!, order: [RANK_NUMBERED, -Number(m[2])], rotatedAt: Number.NaN };
  m = DATEEXT.exec(name);
  if (m !== null) return { base: m[1]!, order: [RANK_DATED, m[2]!], rotatedAt: Number.NaN };
  return { base: name, order: [RANK_LIVE, 0], rotatedAt: Number.NaN };
}

function compareOrder(a: RotationName['order'], b: RotationName['order']): number {
  if (a[0] !== b[0]) return a[0] - b[0];
  const x = a[1];
  const y = b[1];
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
}

/**
 * Groups file paths into sets by directory and live name, each ordered oldest first. Sets come out in
 * the order their first file was given; a name that belongs to no rotation scheme is a set of its own.
 */
export function groupIntoSets(files: readonly { path: string; size: number; regular?: boolean }[]): ReplaySet[] {
  const byKey = new Map<string, { name: string; entries: { f: ReplayFile; order: RotationName['order'] }[] }>();
  for (const f of files) {
    const r = rotationName(basename(f.path));
    const name = join(dirname(f.path), r.base);
    let g = byKey.get(name);
    if (g === undefined) {
      g = { name, entries: [] };
      byKey.set(name, g);
    }
    if (g.entries.some((e) => e.f.path === f.path)) continue; // named twice (a file and its directory)
    g.entries.push({ f: { path: f.path, size: f.size, regular: f.regular ?? true, rotatedAt: r.rotatedAt }, order: r.order });
  }
  return [...byKey.values()].map((g) => ({
    name: g.name,
    files: g.entries.sort((a, b) => compareOrder(a.order, b.order)).map((e) => e.f),
  }));
}

/** First byte of a JSON log ('{' or '['), or the first of the gzip magic. */
const JSON_OR_GZIP_FIRST = new Set([0x7b, 0x5b, 0x1f]);
/** How far into a file to look for its first non-blank byte; a log does not start with more whitespace. */
const SNIFF_BYTES = 4096;

async function looksLikeLog(path: string): Promise<boolean> {
  const h = await open(path, 'r');
  try {
    const buf = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await h.read(buf, 0, SNIFF_BYTES, 0);
    if (bytesRead === 0) return true; // an empty live file is still part of its set
    let i = bytesRead >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
    while (i < bytesRead && (buf[i] === 0x20 || buf[i] === 0x09 || buf[i] === 0x0a || buf[i] === 0x0d)) i++;
    if (i === bytesRead) return true;
    return JSON_OR_GZIP_FIRST.has(buf[i]!) && (buf[i] !== 0x1f || buf[i + 1] === 0x8b);
  } finally {
    await h.close();
  }
}

/**
 * Expands the command line's paths into sets. Throws SourceError (exit 1 with the reason) for a path
 * that does not exist or cannot be read, before anything is replayed.
 */
export async function resolveReplayInput(paths: readonly string[]): Promise<ResolvedInput> {
  const files: { path: string; size: number; regular: boolean }[] = [];
  const skipped: string[] = [];

  async function walk(dir: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      throw sourceErrorFrom(dir, err);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      // Symbolic links to directories are not followed (no loops); links to files are read.
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() || e.isSymbolicLink()) {
        let st;
        try {
          st = await stat(p);
          if (!st.isFile()) continue;
          if (!(await looksLikeLog(p))) {
            skipped.push(p);
            continue;
          }
        } catch (err) {
          throw sourceErrorFrom(p, err);
        }
        files.push({ path: p, size: st.size, regular: true });
      }
    }
  }

  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch (err) {
      throw sourceErrorFrom(p, err);
    }
    if (st.isDirectory()) await walk(p);
    else files.push({ path: p, size: st.isFile() ? st.size : 0, regular: st.isFile() });
  }
  return { sets: groupIntoSets(files), skipped };
}
