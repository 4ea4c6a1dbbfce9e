/**
 * Colours and glyphs. Rows are pre-formatted strings with SGR codes of our own (one <Text> per row
 * is what keeps Ink 6 fast), so colour is applied here, as src/config.ts decided it: off with
 * NO_COLOR or --no-color, and ASCII glyphs with --ascii or when the locale is not UTF-8 (a
 * box-drawing character in a C locale becomes mojibake that shifts every column after it).
 */
import type { Severity } from '../detect/types.js';

export type Tone =
  | 'dim'
  | 'bold'
  | 'accent'
  | 'title'
  | 'focus'
  | 'selected'
  | 'ok'
  | 'redirect'
  | 'warn'
  | 'denied'
  | 'error'
  | 'read'
  | 'write'
  | 'delete'
  | 'connect'
  | 'sev-critical'
  | 'sev-high'
  | 'sev-medium'
  | 'sev-low'
  | 'sev-info'
  | 'bar'
  | 'paused';

const SGR: Record<Tone, string> = {
  dim: '2',
  bold: '1',
  accent: '36',
  title: '1;36',
  focus: '1;36',
  selected: '7',
  ok: '32',
  redirect: '36',
  warn: '33',
  denied: '1;33',
  error: '1;31',
  read: '',
  write: '36',
  delete: '35',
  connect: '1;31',
  'sev-critical': '1;97;41',
  'sev-high': '1;31',
  'sev-medium': '33',
  'sev-low': '36',
  'sev-info': '34',
  bar: '36',
  paused: '1;30;43',
};

export interface Glyphs {
  /** corners and lines of pane borders */
  tl: string;
  tr: string;
  bl: string;
  br: string;
  h: string;
  v: string;
  ellipsis: string;
  /** sparkline levels, low to high */
  spark: readonly string[];
  /** bar eighths: index 0 = empty, 8 = full cell */
  bar: readonly string[];
  /** progress bar cells */
  progressFull: string;
  progressEmpty: string;
  /** marker at the start of a feed row that raised an alert */
  alertMark: string;
  times: string;
  enter: string;
}

const UNICODE: Glyphs = {
  tl: '┌', tr: '┐', bl: '└', br: '┘', h: '─', v: '│', ellipsis: '…',
  spark: ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'],
  bar: [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'],
  progressFull: '█', progressEmpty: '░', alertMark: '▌', times: '×', enter: '⏎',
};

const ASCII: Glyphs = {
  tl: '+', tr: '+', bl: '+', br: '+', h: '-', v: '|', ellipsis: '~',
  spark: ['_', '.', '-', '~', '=', '+', '*', '#'],
  bar: [' ', ' ', ' ', ' ', '#', '#', '#', '#', '#'],
  progressFull: '#', progressEmpty: '.', alertMark: '!', times: 'x', enter: 'Enter',
};

export interface Theme {
  color: boolean;
  ascii: boolean;
  g: Glyphs;
  /** wrap `s` in the tone's SGR (no-op without colour); `s` must already be sanitised */
  paint(s: string, tone: Tone | null | undefined): string;
}

export function makeTheme(opts: { color: boolean; ascii: boolean }): Theme {
  const { color, ascii } = opts;
  return {
    color,
    ascii,
    g: ascii ? ASCII : UNICODE,
    paint: (s, tone) => {
      if (!color || !tone || s === '') return s;
      const code = SGR[tone];
      return code ? `\x1b[${code}m${s}\x1b[0m` : s;
    },
  };
}

export function severityTone(s: Severity | ''): Tone | null {
  return s === '' ? null : (`sev-${s}` as Tone);
}

/** Four-letter severity label as the alerts pane shows it. */
export function severityLabel(s: Severity): string {
  switch (s) {
    case 'critical':
      return 'CRIT';
    case 'high':
      return 'HIGH';
    case 'medium':
      return 'MED ';
    case 'low':
      return 'LOW ';
    case 'info':
      return 'INFO';
  }
}
