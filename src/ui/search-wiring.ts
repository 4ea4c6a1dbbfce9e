/**
 * What runTui needs from the search work, in one call:
 *
 *   const sw = createSearchWiring(engine);
 *   const store = new Store(sw.view, …);                 // the store reads the (filterable) view
 *   <App engine={sw.view} overlays={sw.overlays} onFilter={sw.onFilter} … />
 *   …on exit: sw.dispose();
 *
 * - `view` is the engine as the screen sees it: everything, or only what the `f` filter matches
 *   (src/state/filtered-view.ts). Search and inspector must read the same view as the feed, so a
 *   request listed anywhere can be found and opened.
 * - `overlays` are the Search, Inspector and FilterPrompt components.
 * - The searcher's caches are kept warm in the background (cost proportional to new rows, a few ms
 *   every WARM_EVERY_MS), so the first search after `/` is as fast as the others.
 */
import { FilteredView, type SourceEngine } from '../state/filtered-view.js';
import type { Overlays } from './App.js';
import { FilterPrompt } from './panes/FilterPrompt.js';
import { Inspector } from './panes/Inspector.js';
import { Search, searcherFor } from './panes/Search.js';

/** Background warming period; each call folds in only the rows that arrived since the last one. */
export const WARM_EVERY_MS = 500;

export interface SearchWiring {
  view: FilteredView;
  overlays: Overlays;
  /** apply a filter expression; an error message (with the column) or null */
  onFilter: (expr: string) => string | null;
  dispose(): void;
}

export function createSearchWiring(engine: SourceEngine): SearchWiring {
  const view = new FilteredView(engine);
  const timer = setInterval(() => searcherFor(view).warm(), WARM_EVERY_MS);
  // warming must never keep a finished replay's process alive
  timer.unref?.();
  return {
    view,
    overlays: { Search, Inspector, FilterPrompt },
    onFilter: (expr) => view.setFilter(expr),
    dispose: () => {
      clearInterval(timer);
      view.dispose();
    },
  };
}
