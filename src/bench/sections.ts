/**
 * The registry of bench sections. Each part of auditop adds its figures by appending a section
 * here (keep each section's code in its own module under src/bench/). `npm run bench -- --only NAME`
 * runs one; every section prints a JSON object of named figures.
 */
import { followSection } from './follow.js';
import { replaySection } from './replay.js';
import { rulesSection } from './rules.js';
import { decodeModesSection, longLineSection, throughputSection } from './throughput.js';
import { screenSection } from './screen.js';
import { searchSection } from './search.js';

export interface BenchContext {
  /** events in the main generated file (--events, default 1,000,000) */
  events: number;
  /** path of dist/cli.js */
  cli: string;
  /** the main generated file (created and cached on first use) */
  trafficFile(): Promise<string>;
  /** progress for the operator, on stderr */
  log(message: string): void;
  /** results of the sections already run in this invocation, by name */
  results: Record<string, Record<string, unknown>>;
}

export interface BenchSection {
  name: string;
  description: string;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}

export const SECTIONS: BenchSection[] = [throughputSection, decodeModesSection, longLineSection, rulesSection, followSection, replaySection, searchSection, screenSection];
