import { basename, extname } from 'node:path';

/**
 * Names a rotated copy of a followed file can have in the same directory, and their rotation order.
 *
 * - lumberjack (kube-apiserver `--audit-log-maxsize`): `audit.log` → `audit-2026-11-21T10-00-00.000.log`,
 *   gzipped to `…log.gz` with `--audit-log-compress`.
 * - logrotate: `audit.log.1`, `audit.log.2`, … (`.1` is the newest) and with `dateext`
 *   `audit.log-20261121` or `audit.log-2026112110`; `.gz` when compressing.
 */
export interface RotatedNameMatcher {
  /** the followed file's own name */
  readonly base: string;
  /** a rotated copy, not compressed: the follower can still read it */
  isRotated(name: string): boolean;
  /** a compressed rotated copy (`.gz`): its content can no longer be read through a handle we hold */
  isCompressed(name: string): boolean;
  /** any name the follower cares about in the directory: the file itself or one of its rotated copies */
  isRelevant(name: string): boolean;
  /** sort key: a larger rank was rotated later (used when modification times tie) */
  rank(name: string): string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function rotatedNameMatcher(path: string): RotatedNameMatcher {
  const base = basename(path);
  const ext = extname(base);
  const stem = ext === '' ? base : base.slice(0, -ext.length);
  const lumberjack = new RegExp(
    `^${escapeRe(stem)}-(\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3})${escapeRe(ext)}$`,
  );
  const numbered = new RegExp(`^${escapeRe(base)}\\.(\\d+)$`);
  const dated = new RegExp(`^${escapeRe(base)}-(\\d{8}(?:\\d{2})?(?:-\\d+)?)$`);
  const isRotated = (name: string): boolean => lumberjack.test(name) || numbered.test(name) || dated.test(name);
  const isCompressed = (name: string): boolean => name.endsWith('.gz') && isRotated(name.slice(0, -3));
  return {
    base,
    isRotated,
    isCompressed,
    isRelevant: (name) => name === base || isRotated(name) || isCompressed(name),
    rank(name) {
      const lj = lumberjack.exec(name);
      if (lj) return `t${lj[1]}`;
      const dt = dated.exec(name);
      if (dt) return `t${dt[1]}`;
      const nb = numbered.exec(name);
      // `.1` is the newest: invert the number so later rotations sort higher.
      if (nb) return `n${String(1e9 - Number(nb[1])).padStart(10, '0')}`;
      return '';
    },
  };
}
