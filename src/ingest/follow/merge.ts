import type { Source, SourceItem } from '../source.js';

/**
 * Several sources as one stream (several API servers' logs watched together). Each source has at
 * most one `next()` outstanding, asked for again only after its previous item was handed on, so
 * each reads no further ahead than its own bound. Whichever source has an item first goes first;
 * a source that just delivered moves to the back of the line, so a busy one cannot starve the rest.
 */
export function mergeSources(sources: Source[], name = sources.map((s) => s.name).join(', ')): Source {
  if (sources.length === 1 && sources[0]) return sources[0];
  let closing: Promise<void> | undefined;
  return {
    name,
    async *items(): AsyncGenerator<SourceItem> {
      const its = sources.map((s) => s.items()[Symbol.asyncIterator]());
      type Settled = { i: number; r: IteratorResult<SourceItem> };
      const pending = new Map<number, Promise<Settled>>();
      const arm = (i: number): void => {
        const it = its[i];
        if (it) pending.set(i, it.next().then((r) => ({ i, r })));
      };
      its.forEach((_, i) => arm(i));
      try {
        while (pending.size > 0) {
          const { i, r } = await Promise.race(pending.values());
          pending.delete(i);
          if (r.done) continue;
          yield r.value;
          arm(i);
        }
      } finally {
        // Stopped early (consumer broke out or a source threw): end the others too. Not awaited: a
        // follower's pending next() only settles on close(), which is the caller's to do.
        for (const it of its) void it.return?.().catch(() => undefined);
      }
    },
    close(): Promise<void> {
      closing ??= Promise.all(sources.map((s) => s.close())).then(() => undefined);
      return closing;
    },
  };
}
