import { parseTimestamp } from '../../model/normalise.js';

/**
 * The event time of a raw log line without parsing its JSON (SPEC §2: stageTimestamp, else
 * requestReceivedTimestamp, else timestamp), for ordering lines of several sets and for dropping lines
 * outside --since/--until before the decoder pays for JSON.parse.
 *
 * A targeted substring search: the API server writes `"stageTimestamp":"…"` after the bodies and only
 * annotations after it, so the *last* occurrence is the event's own even when a body quotes audit
 * events. Wrapped events (AKS `properties.log`, OTLP bodies) carry the same keys JSON-escaped
 * (`\"stageTimestamp\":\"…\"`), which the search accepts too.
 */

const KEYS = ['"stageTimestamp', '"requestReceivedTimestamp', '"timestamp'] as const;

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const SPACE = 32;
const TAB = 9;

/** Event time in ms of a single-event line; NaN when the line carries none (junk, or no time fields). */
export function lineTime(line: string): number {
  for (const key of KEYS) {
    const at = line.lastIndexOf(key);
    if (at === -1) continue;
    const ts = valueAt(line, at + key.length);
    // null or junk in one field: the next one in SPEC order may still hold a time
    if (!Number.isNaN(ts)) return ts;
  }
  return Number.NaN;
}

/**
 * Whether the line holds more than one event (an EventList, a JSON array, AKS records, an OTLP export):
 * its stageTimestamp key occurs more than once. Such lines are split into events before windowing.
 * A single event whose body quotes another event also matches; splitting it is harmless (one event).
 */
export function isMultiEventLine(line: string): boolean {
  const first = line.indexOf(KEYS[0]);
  return first !== -1 && line.indexOf(KEYS[0], first + KEYS[0].length) !== -1;
}

/** Parses the string value after a key found at `i` (just past the key's name). */
function valueAt(line: string, i: number): number {
  const n = line.length;
  if (line.charCodeAt(i) === BACKSLASH) i++;
  if (line.charCodeAt(i) !== QUOTE) return Number.NaN; // a longer key with this prefix
  i++;
  while (i < n && (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB)) i++;
  if (line.charCodeAt(i) !== COLON) return Number.NaN;
  i++;
  while (i < n && (line.charCodeAt(i) === SPACE || line.charCodeAt(i) === TAB)) i++;
  if (line.charCodeAt(i) === BACKSLASH) i++;
  if (line.charCodeAt(i) !== QUOTE) return Number.NaN;
  i++;
  let end = line.indexOf('"', i);
  if (end === -1) return Number.NaN;
  if (line.charCodeAt(end - 1) === BACKSLASH) end--;
  // RFC 3339 with microseconds is 27 characters; anything much longer is not a timestamp.
  if (end - i > 40) return Number.NaN;
  return parseTimestamp(line.slice(i, end));
}
