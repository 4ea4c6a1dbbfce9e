import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Alert } from './types.js';

/** The SPEC §3 `--print alerts` object: the same for stdout and --alerts-file, absent values omitted. */
export function alertJson(a: Alert): Record<string, string | number> {
  const o: Record<string, string | number> = {
    ts: a.ts,
    rule: a.rule,
    severity: a.severity,
    title: a.title,
    message: a.message,
  };
  if (a.auditID) o.auditID = a.auditID;
  if (a.user) o.user = a.user;
  if (a.verb) o.verb = a.verb;
  if (a.resource) o.resource = a.resource;
  if (a.subresource) o.subresource = a.subresource;
  if (a.namespace) o.namespace = a.namespace;
  if (a.name) o.name = a.name;
  if (a.sourceIP) o.sourceIP = a.sourceIP;
  if (a.code) o.code = a.code;
  return o;
}

export interface AlertsFile {
  readonly path: string;
  /** append one alert as a JSON line; written through to the OS before returning */
  write(a: Alert): void;
  /** idempotent */
  close(): void;
}

/**
 * `--alerts-file FILE`: one fd opened once in append mode; each alert is one synchronous write, so a
 * line is in the file (visible to `tail -f` and surviving a crash of auditop) as soon as the alert
 * is raised. Alerts are rare next to events, so a syscall per alert costs nothing measurable.
 * Throws at open when the file cannot be opened (run.ts turns that into exit 1 with a reason).
 */
export function openAlertsFile(path: string): AlertsFile {
  let fd: number | null = openSync(path, 'a', 0o600);
  return {
    path,
    write(a) {
      if (fd === null) return;
      writeSync(fd, `${JSON.stringify(alertJson(a))}\n`);
    },
    close() {
      if (fd === null) return;
      const f = fd;
      fd = null;
      try {
        fsyncSync(f);
      } catch {
        // fsync fails on pipes and some special files; the data was written already
      }
      closeSync(f);
    },
  };
}
