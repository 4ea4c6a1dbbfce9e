import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES, createDetector } from '../../../src/detect/index.js';
import { feed } from '../helpers.js';
import { CASES } from './cases.js';

describe('built-in rule pack', () => {
  it('has a case with events that must fire and events that must not for every built-in rule', () => {
    const covered = new Set(CASES.filter((c) => c.fire.length > 0 && c.quiet.length > 0).map((c) => c.rule));
    expect(BUILTIN_RULES.map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  it('gives every rule a stable kebab-case id, a severity, a title and a description', () => {
    const ids = new Set<string>();
    for (const r of BUILTIN_RULES) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(ids.has(r.id)).toBe(false);
      ids.add(r.id);
      expect(r.title.length).toBeGreaterThan(3);
      expect(r.description.length).toBeGreaterThan(20);
    }
  });

  for (const c of CASES) {
    describe(c.rule, () => {
      for (const f of c.fire) {
        it(`fires: ${f.name}`, () => {
          const alerts = feed(createDetector(), f.events).filter((a) => a.rule === c.rule);
          expect(alerts).toHaveLength(f.count ?? 1);
          const first = alerts[0];
          if (f.message instanceof RegExp) expect(first?.message).toMatch(f.message);
          else if (f.message !== undefined) expect(first?.message).toBe(f.message);
          if (f.severity) expect(first?.severity).toBe(f.severity);
        });
      }
      for (const q of c.quiet) {
        it(`quiet: ${q.name}`, () => {
          expect(feed(createDetector(), q.events).filter((a) => a.rule === c.rule)).toEqual([]);
        });
      }
    });
  }
});
