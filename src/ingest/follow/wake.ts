import { statfs } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { watch as chokidarWatch } from 'chokidar';

/**
 * Wake-up sources for the follower. Nothing here decides what happened to a file (stat does that);
 * a wake-up only says "look again now".
 */

/** A running directory watcher. */
export interface DirWatcher {
  close(): Promise<void>;
}

/**
 * Starts watching `dir`. `onWake(name)` is called for activity on an entry (name may be unknown);
 * `onError(err)` when the watcher cannot work (ENOSPC/EMFILE when the inotify limits are reached).
 */
export type DirWatcherFactory = (
  dir: string,
  isRelevant: (name: string) => boolean,
  onWake: () => void,
  onError: (err: NodeJS.ErrnoException) => void,
) => DirWatcher;

/**
 * chokidar 4 on the parent directory, used only as a wake-up (measured here: with default options
 * it merges lumberjack's unlink+add into one `change` and drops a `change` that follows another
 * within 50 ms). So: `atomic: false` (no merging), `alwaysStat: true` (chokidar stats anyway; this
 * saves it a second call), and we listen to `raw`, which fires for every inotify event before
 * chokidar's throttling, so the last append of a burst still wakes us at once.
 */
export const chokidarDirWatcher: DirWatcherFactory = (dirGiven, isRelevant, onWake, onError) => {
  // Absolute, so the `ignored` test below recognises the directory itself whatever form it was given in.
  const dir = resolve(dirGiven);
  const w = chokidarWatch(dir, {
    depth: 0,
    ignoreInitial: true,
    atomic: false,
    alwaysStat: true,
    persistent: true,
    // Keep chokidar from adding a watch per rotated backup (there can be hundreds); the directory
    // watch still reports them through `raw`.
    ignored: (p: string) => resolve(p) !== dir && !isRelevant(basename(p)),
  });
  w.on('raw', (_event, path) => {
    if (typeof path !== 'string' || path === '' || isRelevant(basename(path))) onWake();
  });
  w.on('all', () => onWake());
  w.on('error', (err) => onError(err as NodeJS.ErrnoException));
  return { close: () => w.close() };
};

/**
 * Filesystems where inotify only sees changes made by this host: a log written by an API server on
 * another machine (several control planes' logs mounted on one host) changes without any event.
 * statfs(2) magic numbers from linux/magic.h.
 */
const NETWORK_FS: ReadonlyMap<number, string> = new Map([
  [0x6969, 'nfs'],
  [0xff534d42, 'cifs'],
  [0xfe534d42, 'smb2'],
  [0x517b, 'smb'],
  [0x65735546, 'fuse'],
  [0x01021997, '9p'],
  [0x00c36400, 'ceph'],
  [0x47504653, 'gpfs'],
  [0x0bd00bd0, 'lustre'],
]);

/** The network filesystem `dir` is on (its name), or undefined for a local one or when unknown. */
export async function networkFilesystem(dir: string): Promise<string | undefined> {
  try {
    return NETWORK_FS.get(Number((await statfs(dir)).type));
  } catch {
    return undefined;
  }
}
