import { DEFAULT_LIMITS, DetectionEngine, ENGINE_RULES, type EngineLimits } from './engine.js';
import type { RulesConfig } from './rules-config.js';
import { loadRulesFile } from './rules-file.js';
import { BUILTIN_RULES } from './rules/index.js';
import type { Severity } from './types.js';

export { DetectionEngine } from './engine.js';
export { RulesFileError, loadRulesFile, parseRules } from './rules-file.js';
export { BUILTIN_RULES } from './rules/index.js';
export type { RulesConfig } from './rules-config.js';

export interface DetectorOptions {
  /** `--rules FILE`: read and validated now; a bad file throws RulesFileError */
  rulesFile?: string;
  /** an already parsed rules config (tests, the demo) */
  config?: RulesConfig;
  limits?: Partial<EngineLimits>;
}

/** The detector run.ts plugs into the engine: built-in pack + engine rules + the user's rules file. */
export function createDetector(opts: DetectorOptions = {}): DetectionEngine {
  const config = opts.config ?? (opts.rulesFile !== undefined ? loadRulesFile(opts.rulesFile) : {});
  return new DetectionEngine([...BUILTIN_RULES, ...(config.custom ?? [])], config, { ...DEFAULT_LIMITS, ...opts.limits });
}

export interface RuleInfo {
  id: string;
  severity: Severity;
  title: string;
  description: string;
  params: Record<string, number>;
}

/** Every built-in rule (pack and engine rules), for the README and `--rules` validation. */
export function builtinRuleInfo(): RuleInfo[] {
  return [...BUILTIN_RULES, ...ENGINE_RULES].map((r) => ({
    id: r.id,
    severity: r.severity,
    title: r.title,
    description: r.description,
    params: { ...r.params },
  }));
}
