import type { Source, SourceItem } from '../source.js';
import { FileTail, type FollowOptions } from './file-tail.js';
import { mergeSources } from './merge.js';

export { type FollowOptions, POLL_ONLY_MS, SAFETY_POLL_MS } from './file-tail.js';

/**
 * Follows each path through rotation (see FileTail) and merges them into one stream; every item
 * carries the path it came from. items() never ends until close().
 */
export function openFollowSource(paths: string[], opts: FollowOptions): Source {
  return mergeSources(paths.map((p) => tailSource(new FileTail(p, opts))));
}

function tailSource(tail: FileTail): Source {
  return {
    name: tail.path,
    async *items(): AsyncGenerator<SourceItem> {
      for (;;) {
        const item = await tail.next();
        if (item === null) return;
        yield item;
      }
    },
    close: () => tail.close(),
  };
}
