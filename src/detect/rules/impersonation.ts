import { describeObject, type RuleSpec } from '../rule.js';

/**
 * Impersonation lets one identity act as another. Alerting on every impersonated request would bury
 * the screen (kubectl --as sends discovery calls too), so one alert per impersonator→target pair per
 * `quietMs` (10 min) of event time; superuser or control-plane targets are critical.
 */
export const impersonation: RuleSpec = {
  id: 'impersonation',
  severity: 'medium',
  title: 'Impersonation',
  description:
    'A request ran as another user or group (Impersonate-User/Group). Critical when the target is privileged (`privilegedUsers`, `privilegedGroups`, control-plane identities). One alert per impersonator→target pair per `quietMs` (10 min).',
  stage: 'response',
  params: { quietMs: 600_000 },
  lists: ['privilegedUsers', 'privilegedGroups', 'controlPlaneUsers'],
  create: (env) => {
    const quiet = env.state.cooldown(env.params.quietMs as number);
    return (ev, x) => {
      const imp = ev.impersonatedUser;
      const groups = ev.impersonatedGroups;
      if (imp === '' && groups.length === 0) return null;
      if (x.controlPlane) return null;
      const privGroups = groups.filter((g) => env.lists.privilegedGroups.has(g));
      const privileged = privGroups.length > 0 || (imp !== '' && (env.lists.privilegedUsers.has(imp) || x.classify(imp) === 'control-plane'));
      const target = imp !== '' ? imp : `groups ${groups.join(',')}`;
      const key = `${ev.user}\u0000${target}\u0000${privGroups.join(',')}`;
      if (!quiet.take(key, x.now)) return null;
      const asGroups = privGroups.length > 0 ? ` in group ${privGroups.join(', ')}` : '';
      const denied = ev.code >= 400 ? ` (denied: ${ev.code})` : '';
      return {
        message: `${ev.user || 'unknown user'} impersonated ${target}${asGroups}: ${ev.verb} ${describeObject(ev)}${denied}`,
        key,
        severity: privileged ? 'critical' : undefined,
      };
    };
  },
};
