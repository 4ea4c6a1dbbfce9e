import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
});

import { render } from 'ink-testing-library';
import { displayWidth } from '../../../src/model/sanitize.js';
import type { Snapshot } from '../../../src/state/store.js';
import { clock, compact, latency } from '../../../src/ui/format.js';
import { KEYMAP } from '../../../src/ui/keymap.js';
import { Alerts, alertsPaneLines } from '../../../src/ui/panes/Alerts.js';
import { Feed, feedLines, type FeedProps } from '../../../src/ui/panes/Feed.js';
import { Help, helpContent, helpLines, warmHelp } from '../../../src/ui/panes/Help.js';
import { Hints, hintsLine } from '../../../src/ui/panes/Hints.js';
import { StatusBar, statusLine, type StatusBarProps } from '../../../src/ui/panes/StatusBar.js';
import { Top, topPaneLines } from '../../../src/ui/panes/Top.js';
import { makeTheme } from '../../../src/ui/theme.js';
import { makeAlert } from '../../state/fake-engine.js';
import { makeRow } from '../../model/make-event.js';

const plain = makeTheme({ color: false, ascii: false });
const colour = makeTheme({ color: true, ascii: false });
const ascii = makeTheme({ color: false, ascii: true });
const strip = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
const widths = (lines: string[]): number[] => [...new Set(lines.map((l) => displayWidth(strip(l))))];

const feedProps = (over: Partial<FeedProps> = {}): FeedProps => ({
  width: 90, height: 8, theme: plain, focused: true, header: true, selSeq: null, newRows: 0, following: true, requests: 3,
  rows: [
    makeRow(1, { user: 'alice@example.com', verb: 'list', resource: 'pods', namespace: 'prod', name: '', code: 200, latencyMs: 12 }),
    makeRow(2, { user: 'mallory@example.com', verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'prod', name: 'api-7c9d', code: 101, latencyMs: -1 }),
    makeRow(3, { user: 'system:anonymous', verb: 'get', resource: '', uri: '/healthz', code: 403, latencyMs: 1500 }),
  ],
  ...over,
});

describe('Feed', () => {
  it('shows one row per request with time, user, verb, object, code and latency, every line exactly as wide as the pane', () => {
    const lines = feedLines(feedProps());
    expect(lines).toHaveLength(8);
    expect(widths(lines)).toEqual([90]);
    const body = lines.join('\n');
    expect(body).toMatch(/10:00:00 alice@example\.com\s+list\s+pods prod\s+200\s+12ms/);
    expect(body).toMatch(/mallory@example\.com\s+create\s+pods\/exec prod\/api-7c9d\s+101/);
    expect(body).toMatch(/system:anonymous\s+get\s+\/healthz\s+403\s+1\.5s/);
    expect(lines[0]).toContain('Feed 3');
  });

  it('marks open requests, alerted rows and the selection', () => {
    const rows = feedProps().rows.map((r) => ({ ...r }));
    rows[0] = { ...rows[0]!, open: true };
    rows[1] = { ...rows[1]!, alert: 'high' };
    const lines = feedLines(feedProps({ rows, selSeq: 3, theme: colour }));
    expect(strip(lines[2]!)).toMatch(/…\s+open│$/);
    // the open request's … sits where the last digit of a code does (codes are right-aligned)
    expect(strip(lines[2]!).indexOf('…', strip(lines[2]!).length - 14)).toBe(strip(lines[4]!).search(/\d\s+\S+│$/));
    expect(strip(lines[3]!)).toMatch(/^│▌/);
    // a highlighted row keeps every column: the latency is not cut
    expect(strip(lines[3]!)).toMatch(/101\s+│$|101 {4,}\S*│$/);
    expect(strip(lines[4]!)).toMatch(/1\.5s│$/);
    expect(lines[3]).toContain('\x1b[1;31m');
    expect(lines[4]).toContain('\x1b[7m');
  });

  it('strips escape sequences and bidi overrides from log strings', () => {
    const evil = makeRow(9, { user: 'eve\x1b]0;pwned\x07\x1b[2J\u202Eadmin', name: 'x\x1b[31mred' });
    const out = feedLines(feedProps({ rows: [evil] })).join('\n');
    expect(out).not.toMatch(/[\x1b\x07\u202E]/);
    expect(out).toContain('eveadmin');
  });

  it('says how many requests are newer when not following, and what it waits for when empty', () => {
    expect(feedLines(feedProps({ following: false, newRows: 1234 }))[0]).toContain('+1,234 new, G follows');
    expect(feedLines(feedProps({ rows: [], emptyText: 'waiting for /var/log/audit.log' })).join('\n')).toContain('waiting for /var/log/audit.log');
  });

  it('renders through Ink', () => {
    const { lastFrame } = render(<Feed {...feedProps({ width: 80 })} />);
    expect(lastFrame()).toContain('mallory@example.com');
  });
});

describe('Alerts', () => {
  const groups = [
    { id: 3, alert: makeAlert({ title: 'Secret read', severity: 'medium', user: 'mallory@example.com', message: 'mallory read secret prod/db' }), count: 4, firstTs: 0, lastTs: 0 },
    { id: 2, alert: makeAlert({ title: 'Exec into pod', severity: 'high' }), count: 1, firstTs: 0, lastTs: 0 },
    { id: 1, alert: makeAlert({ title: 'Anonymous request denied', severity: 'low', user: '', sourceIP: '203.0.113.66' }), count: 1, firstTs: 0, lastTs: 0 },
  ];
  it('lists groups newest first with severity, count and who; messages on a second line when there is room', () => {
    const lines = alertsPaneLines({ width: 80, height: 10, theme: plain, focused: false, groups, selId: null, twoLines: true, total: 6 });
    expect(widths(lines)).toEqual([80]);
    expect(lines[0]).toContain('Alerts 6');
    expect(lines[1]).toMatch(/MED .*Secret read ×4.*mallory@example/);
    expect(lines[2]).toContain('mallory read secret prod/db');
    expect(lines[3]).toMatch(/HIGH .*Exec into pod/);
    expect(lines[5]).toMatch(/LOW .*Anonymous request denied.*203\.0\.113\.66/);
  });

  it('gives a narrow headline to the title when the message line names who', () => {
    const lines = alertsPaneLines({ width: 46, height: 10, theme: plain, focused: false, groups, selId: null, twoLines: true, total: 6 });
    expect(lines[1]).toContain('Secret read ×4');
    expect(lines[1]).not.toContain('mallory');
    expect(lines[2]).toContain('mallory read secret');
  });

  it('scrolls to keep the selected group visible and shows the position', () => {
    const lines = alertsPaneLines({ width: 60, height: 4, theme: plain, focused: true, groups, selId: 1, twoLines: false, total: 6 });
    expect(lines.join('\n')).toContain('Anonymous request denied');
    expect(lines[0]).toContain('3/3');
  });

  it('renders through Ink, empty', () => {
    const { lastFrame } = render(<Alerts width={40} height={4} theme={plain} focused={false} groups={[]} selId={null} twoLines={false} total={0} />);
    expect(lastFrame()).toContain('no alerts yet');
  });
});

describe('Top', () => {
  const entries = [
    { key: 'system:kube-controller-manager', count: 4100 },
    { key: 'alice@example.com', count: 412 },
    { key: '', count: 3 },
  ];
  it('draws a bar per entry in proportion, the count, and the dimension legend', () => {
    const lines = topPaneLines({ width: 60, height: 6, theme: plain, focused: false, entries, dim: 'users', window: '5m', sel: 0 });
    expect(widths(lines)).toEqual([60]);
    expect(lines[0]).toContain('Top users (5m)');
    const bar = (l: string): number => (l.match(/[█▉▊▋▌▍▎▏]/g) ?? []).length;
    expect(bar(lines[1]!)).toBeGreaterThan(bar(lines[2]!) * 5);
    expect(bar(lines[3]!)).toBe(1);
    expect(lines[1]).toContain('4.1k');
    expect(lines[3]).toContain('(none)');
    expect(strip(lines[5]!)).toMatch(/1 users 2 verbs/);
  });

  it('says so when the window is empty, and draws ASCII bars in ASCII mode', () => {
    expect(topPaneLines({ width: 50, height: 4, theme: plain, focused: false, entries: [], dim: 'codes', window: '1m', sel: 0 }).join('\n')).toContain('no requests in the last 1m');
    const a = topPaneLines({ width: 50, height: 5, theme: ascii, focused: false, entries, dim: 'verbs', window: 'all', sel: 0 });
    expect(a.join('\n')).not.toMatch(/[─│┌┐└┘█]/);
    expect(a[1]).toContain('#');
  });

  it('renders through Ink', () => {
    const { lastFrame } = render(<Top width={50} height={5} theme={plain} focused entries={entries} dim="namespaces" window="1h" sel={1} />);
    expect(lastFrame()).toContain('Top namespaces (1h)');
  });
});

const snap = (over: Partial<Snapshot> = {}): Snapshot => ({
  serial: 1, version: 1, counts: { events: 10, requests: 8, malformed: 2, skippedLong: 1, gaps: 0 }, rows: [], firstSeq: 0, lastSeq: 7,
  newRows: 0, newWhilePaused: 0, alertGroups: [], alertTotal: 0, top: [], topDim: 'users', topWindow: '5m', rate: [1, 5, 9, 4, 2],
  bufferSize: 38_000, bufferCapacity: 100_000, notices: [], malformed: [], nowTs: 0, paused: false, replay: null, ended: false, requestsShown: 8, ...over,
});
const NOW = Date.parse('2026-11-21T14:02:11Z');
const sb = (over: Partial<StatusBarProps> = {}): string =>
  strip(statusLine({ width: 140, theme: plain, snap: snap(), source: '/var/log/kubernetes/audit/audit.log', mode: 'follow', filter: '', now: NOW, ...over }));

describe('StatusBar', () => {
  it('shows mode, source, rate, buffer, malformed and skipped counts and the UTC clock', () => {
    const s = sb();
    expect(s).toMatch(/^ auditop +follow {2}\/var\/log\/kubernetes\/audit\/audit\.log/);
    expect(s).toContain('4 ev/s');
    expect(s).toContain('buf 38% of 100k');
    expect(s).toContain('malformed 2');
    expect(s).toContain('skipped 1');
    expect(s).toMatch(/14:02:11 $/);
    expect(displayWidth(s)).toBe(140);
  });

  it('shows pause with the count of new events, replay speed/clock/progress, and the end of a replay', () => {
    expect(sb({ snap: snap({ paused: true, newWhilePaused: 1234 }) })).toContain('PAUSED +1,234 new');
    const r = sb({ mode: 'replay', snap: snap({ replay: { clock: Date.parse('2026-11-20T09:03:00Z'), speed: 10, paused: false, progress: 0.42 } }) });
    expect(r).toMatch(/replay ×10 {2}09:03:00 {2}████░░░░░░ 42% {2}…?[a-z/]*audit\.log/);
    expect(sb({ mode: 'replay', snap: snap({ replay: { clock: NaN, speed: Infinity, paused: true, progress: NaN } }) })).toContain('replay PAUSED max');
    expect(sb({ mode: 'replay', snap: snap({ ended: true }) })).toContain('replay finished');
    // the pacer is done reading, but the engine has not had everything yet: not finished
    const reading = { clock: NOW, speed: Infinity, paused: false, progress: 1, done: true };
    expect(sb({ mode: 'replay', snap: snap({ replay: reading }) })).toContain('replay max');
    expect(sb({ mode: 'replay', snap: snap({ replay: reading, ended: true }) })).toContain('replay finished');
  });

  it('shows gaps, the filter and a recent notice, and forgets the notice after a while', () => {
    const notices = [{ source: 'audit.log', message: 'rotated: audit-2026-11-21T14-02-00.000.log', at: NOW - 5000 }];
    const s = sb({ snap: snap({ counts: { events: 1, requests: 1, malformed: 0, skippedLong: 0, gaps: 2 }, notices }), filter: 'user:alice' });
    expect(s).toContain('gaps 2');
    expect(s).toContain('filter: user:alice');
    expect(s).toContain('rotated: audit-2026');
    expect(sb({ snap: snap({ notices }), now: NOW + 60_000 })).not.toContain('rotated');
  });

  it('keeps the counters when a long notice cannot fit anyway', () => {
    const notices = [{ source: 'a', message: 'rotated; finishing the old file, then reading the new one from the start', at: NOW }];
    const s = sb({ width: 80, snap: snap({ notices }) });
    expect(s).toContain('buf 38%');
    expect(s).toContain('malformed 2');
    expect(displayWidth(s)).toBe(80);
  });

  it('at 80 columns keeps the file name of a long source path whole, dropping directories first', () => {
    const source = '/var/log/kubernetes/audit/kube-apiserver-audit.log';
    const s80 = sb({ width: 80, source, snap: snap({ counts: { events: 10, requests: 8, malformed: 0, skippedLong: 0, gaps: 0 } }) });
    expect(displayWidth(s80)).toBe(80);
    expect(s80).toMatch(/^ auditop +follow {2}kube-apiserver-audit\.log {2}/);
    // a little wider: the directory the file is in comes back, the middle of the path stays out
    const s90 = sb({ width: 90, source, snap: snap({ counts: { events: 10, requests: 8, malformed: 0, skippedLong: 0, gaps: 0 } }) });
    expect(s90).toMatch(/^ auditop +follow {2}…\/audit\/kube-apiserver-audit\.log {2}/);
    const a90 = sb({ width: 90, source, theme: ascii, snap: snap({ counts: { events: 10, requests: 8, malformed: 0, skippedLong: 0, gaps: 0 } }) });
    expect(a90).toMatch(/^ auditop +follow {2}\.\.\.\/audit\/kube-apiserver-audit\.log {2}/);
    expect(sb({ width: 120, source })).toContain(' /var/…/audit/kube-apiserver-audit.log ');
    // the counters that report trouble still come first
    const s80bad = sb({ width: 80, source });
    expect(s80bad).toContain('malformed 2');
    expect(s80bad).toContain('skipped 1');
  });

  it('drops the least important parts to fit a narrow terminal, keeping mode and clock', () => {
    const s = sb({ width: 60 });
    expect(displayWidth(s)).toBeLessThanOrEqual(60);
    expect(s).toContain('follow');
    expect(s).toContain('14:02:11');
  });

  it('renders through Ink with a fixed clock', () => {
    const { lastFrame } = render(<StatusBar width={100} theme={plain} snap={snap()} source="audit.log" mode="follow" filter="" now={NOW} />);
    expect(lastFrame()).toContain('14:02:11');
  });
});

describe('Help and Hints', () => {
  it('lists every binding of the keymap and scrolls', () => {
    const all = helpContent(100, plain).join('\n');
    for (const b of KEYMAP) expect(all).toContain(b.description.slice(0, 40));
    const first = helpLines({ width: 100, height: 10, theme: plain, scroll: 0 });
    const later = helpLines({ width: 100, height: 10, theme: plain, scroll: 5 });
    expect(first[1]).not.toBe(later[1]);
    expect(first[0]).toContain('j/k scroll');
    const { lastFrame } = render(<Help width={80} height={12} theme={plain} scroll={0} />);
    expect(lastFrame()).toContain('Help: keys');
  });

  it('builds the help text once per width and theme (warmHelp builds it ahead of the first ?)', () => {
    warmHelp(92, plain);
    const warmed = helpContent(90, plain);
    expect(helpContent(90, plain)).toBe(warmed);
    expect(helpContent(90, makeTheme({ color: false, ascii: true }))).not.toBe(warmed);
    const narrower = helpContent(60, plain);
    expect(narrower).not.toBe(warmed);
    expect(Math.max(...narrower.map(displayWidth))).toBeLessThanOrEqual(60);
  });

  it('wraps long descriptions at 80 columns instead of cutting them off', () => {
    const all = helpContent(78, plain);
    expect(all.some((l) => l.includes('…'))).toBe(false);
    expect(all.every((l) => displayWidth(l) <= 78)).toBe(true);
    const text = all.join(' ').replace(/\s+/g, ' ');
    for (const b of KEYMAP) expect(text).toContain(b.description.replace(/\s+/g, ' '));
  });

  it('generates the hints line for the context and fits it to the width', () => {
    expect(hintsLine({ width: 200, theme: plain, ctx: { overlay: 'inspector', replay: false } })).toContain('y copy');
    expect(displayWidth(hintsLine({ width: 40, theme: plain, ctx: { overlay: null, replay: false } }))).toBe(40);
    const { lastFrame } = render(<Hints width={100} theme={plain} ctx={{ overlay: null, replay: true }} />);
    expect(lastFrame()).toContain('+ faster');
  });
});

describe('formatting', () => {
  it('formats counts, latencies and clock times compactly', () => {
    expect([compact(999), compact(1234), compact(45_600), compact(2_345_678)]).toEqual(['999', '1.2k', '46k', '2.3M']);
    expect([latency(-1), latency(12), latency(1500), latency(125_000)]).toEqual(['', '12ms', '1.5s', '2m05s']);
    expect(clock(NaN)).toBe('--:--:--');
    expect(clock(NOW)).toBe('14:02:11');
  });
});
