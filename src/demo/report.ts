/**
 * A short human-readable report of what a replay found: what `auditop demo` prints until the live
 * demo screen exists. Strings from the log are stripped of control characters before printing.
 */
import type { Engine } from '../model/engine.js';
import type { Dimension } from '../model/types.js';

// C0/C1 controls, DEL and bidi overrides: no log line may move the cursor or reorder text (SPEC §4)
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

function clean(s: string, width: number): string {
  const t = s.replace(UNSAFE, '');
  return t.length > width ? `${t.slice(0, width - 1)}…` : t;
}

const SECTIONS: [Dimension, string][] = [
  ['users', 'Top users'],
  ['verbs', 'Top verbs'],
  ['resources', 'Top resources'],
  ['codes', 'Status codes'],
];

export function formatReport(engine: Engine, sources: string[]): string {
  const s = engine.summary();
  const out: string[] = [];
  out.push(`auditop demo: replayed ${sources.join(', ')}`);
  out.push(`  ${s.events} events, ${s.requests} requests, from ${s.first ?? '?'} to ${s.last ?? '?'}`);
  out.push(`  malformed lines ${s.malformed}, skipped long lines ${s.skippedLong}`);
  for (const [dim, title] of SECTIONS) {
    out.push('', `${title}:`);
    for (const e of engine.top(dim, 'all', 5)) out.push(`  ${String(e.count).padStart(8)}  ${clean(e.key, 66)}`);
  }
  out.push('');
  const alerts = [...engine.alerts.newestFirst()];
  if (alerts.length === 0) {
    out.push('Alerts: none (normal cluster traffic)');
  } else {
    out.push(`Alerts (${alerts.length}, newest first):`);
    for (const a of alerts.slice(0, 20)) out.push(`  ${a.severity.toUpperCase().padEnd(8)} ${clean(a.rule, 28).padEnd(28)} ${clean(a.message, 40)}`);
  }
  out.push('', 'The live screen arrives with the TUI; meanwhile try:', '  auditop replay demo-logs/quiet-day.log --no-tui --print summary', '');
  return out.join('\n');
}
