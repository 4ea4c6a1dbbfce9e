/**
 * `auditop -` on a terminal: stdin is the data, so the keys come from the controlling terminal.
 * `openTtyKeys()` opens /dev/tty as a tty.ReadStream (what Ink's `stdin` option needs: raw mode,
 * keypresses), or returns null when there is none (cron, a detached container): the caller then
 * runs headless. No ink or react here (run.ts calls it before deciding).
 */
import { closeSync, openSync } from 'node:fs';
import { isatty, ReadStream } from 'node:tty';

export function openTtyKeys(path = '/dev/tty'): ReadStream | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    if (!isatty(fd)) {
      closeSync(fd);
      return null;
    }
    return new ReadStream(fd);
  } catch {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    return null;
  }
}
