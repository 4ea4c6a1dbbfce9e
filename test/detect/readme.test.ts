import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { builtinRuleInfo, createDetector, parseRules } from '../../src/detect/index.js';
import { LIST_NAMES } from '../../src/detect/lists.js';
import { audit, feed } from './helpers.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Detection rules'), readme.indexOf('\n## ', readme.indexOf('## Detection rules') + 5));

describe('README "Detection rules"', () => {
  it('lists every rule with its id and severity', () => {
    for (const r of builtinRuleInfo()) expect(section).toContain(`| \`${r.id}\` | ${r.severity} |`);
  });

  it('documents every named list', () => {
    for (const name of LIST_NAMES) expect(section).toContain(`| \`${name}\` |`);
  });

  it('shows a rules file that auditop accepts and that does what it says', () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
    expect(yaml).toBeDefined();
    const d = createDetector({ config: parseRules(yaml as string, 'README.md') });
    const alerts = feed(d, [
      audit({ verb: 'patch', resource: 'configmaps', namespace: 'billing-eu', name: 'settings', user: 'carol' }),
      audit({ verb: 'get', resource: 'secrets', namespace: 'prod', name: 'db', user: 'carol' }),
    ]).filter((a) => a.rule !== 'no-request-bodies');
    expect(alerts.map((a) => [a.rule, a.message])).toEqual([['prod-configmap-write', 'carol patch configmap billing-eu/settings']]);
  });
});
