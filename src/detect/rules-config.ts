import type { ListEdit, ListName } from './lists.js';
import type { RuleSpec } from './rule.js';
import type { Severity } from './types.js';

/** Changes to one built-in (or engine) rule from a rules file. */
export interface RuleOverride {
  enabled?: boolean;
  severity?: Severity;
  params?: Record<string, number>;
}

/** A parsed, validated `--rules FILE`. */
export interface RulesConfig {
  lists?: Partial<Record<ListName, ListEdit>>;
  overrides?: Record<string, RuleOverride>;
  /** user rules, compiled to the same shape as built-ins */
  custom?: RuleSpec[];
}
