import { shellQuote } from './text.js';

/** The query of a request URI as ordered [name, value] pairs, form-decoded (`+` is a space). */
export function queryParams(uri: string): Array<[string, string]> {
  const q = uri.indexOf('?');
  if (q === -1) return [];
  const out: Array<[string, string]> = [];
  for (const part of uri.slice(q + 1).split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = eq === -1 ? part : part.slice(0, eq);
    const v = eq === -1 ? '' : part.slice(eq + 1);
    out.push([decode(k), decode(v)]);
  }
  return out;
}

function decode(s: string): string {
  const plus = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(plus);
  } catch {
    // a broken %-escape: keep the text readable rather than dropping the argument
    return plus;
  }
}

export interface ExecRequest {
  /** argv from every `command=` parameter, in order */
  argv: string[];
  container: string;
  tty: boolean;
  stdin: boolean;
}

/** Decode a pods/exec (or attach) request URI: kubectl sends one `command=` per argv word. */
export function decodeExec(uri: string): ExecRequest {
  const r: ExecRequest = { argv: [], container: '', tty: false, stdin: false };
  for (const [k, v] of queryParams(uri)) {
    if (k === 'command') r.argv.push(v);
    else if (k === 'container') r.container = v;
    else if (k === 'tty') r.tty = v === 'true' || v === '1';
    else if (k === 'stdin' || k === 'input') r.stdin = v === 'true' || v === '1';
  }
  return r;
}

/** argv as a shell user would type it back: `sh -c 'curl … | sh'`. */
export function formatArgv(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}
