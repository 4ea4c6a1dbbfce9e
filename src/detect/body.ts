import type { AuditEvent } from '../model/event.js';
import { parseBodies } from '../model/event.js';

const KEY = '"requestObject":';
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The request object of an event, parsing only its own text. Rules only ever need the request
 * object, and in RequestResponse lines the response object next to it is usually the larger part
 * (the whole stored object): parsing a 1 KB patch instead of a 12 KB line is most of the cost of
 * the body rules. Falls back to parsing the whole line when the shape is unusual. Never throws.
 */
export function requestObjectOf(ev: AuditEvent): unknown {
  if (!ev.hasRequestObject) return undefined;
  const raw = ev.raw;
  const k = raw.indexOf(KEY);
  if (k !== -1) {
    const start = skipSpace(raw, k + KEY.length);
    const end = valueEnd(raw, start);
    if (end > start) {
      try {
        return JSON.parse(raw.slice(start, end)) as unknown;
      } catch {
        // fall through to the full parse
      }
    }
  }
  return parseBodies(ev).requestObject;
}

function skipSpace(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
    i++;
  }
  return i;
}

/** End (exclusive) of the object or array starting at `i`; -1 when it is not one or does not end. */
function valueEnd(s: string, i: number): number {
  const open = s.charCodeAt(i);
  if (open !== 123 /* { */ && open !== 91 /* [ */) return -1;
  let depth = 0;
  for (let j = i; j < s.length; j++) {
    const c = s.charCodeAt(j);
    if (c === QUOTE) {
      // skip the string, honouring escapes
      for (j++; j < s.length; j++) {
        const d = s.charCodeAt(j);
        if (d === BACKSLASH) j++;
        else if (d === QUOTE) break;
      }
    } else if (c === 123 || c === 91) depth++;
    else if (c === 125 || c === 93) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}
