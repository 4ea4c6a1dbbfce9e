import type { AuditEvent } from '../../model/event.js';
import { singular, verbed, where } from '../describe.js';
import type { Lists } from '../lists.js';
import { POD_RESOURCES, podSpecsOf } from '../pod-spec.js';
import { succeeded, type RuleSpec } from '../rule.js';
import type { Severity } from '../types.js';

type Obj = Record<string, unknown>;

/**
 * The shape shared by the pod-security rules: pods AND workload templates (deployments, daemonsets,
 * statefulsets, replicasets, jobs, cronjobs) created, replaced or patched by anyone outside the
 * control plane. Pods the control plane creates from a template are skipped: the template alerted
 * when a person or workload wrote it. They need the request object; without one the engine says
 * once per resource that these rules are blind (no-request-bodies).
 */
export function podSecurityRule(o: {
  id: string;
  severity: Severity;
  title: string;
  description: string;
  lists: readonly string[];
  findings: (spec: Obj, lists: Lists) => string[];
}): RuleSpec {
  return {
    id: o.id,
    severity: o.severity,
    title: o.title,
    description: o.description,
    family: 'pod-security',
    verbs: ['create', 'update', 'patch'],
    resources: POD_RESOURCES,
    stage: 'response',
    lists: o.lists,
    create: (env) => (ev, x) => {
      if (x.controlPlane || !succeeded(ev)) return null;
      if (!x.hasBody(o.id)) return null;
      const body = x.requestObject();
      const found: string[] = [];
      for (const spec of podSpecsOf(ev.resource, body)) found.push(...o.findings(spec, env.lists));
      if (found.length === 0) return null;
      const detail = found.join(', ');
      return { message: `${x.who} ${verbed(ev.verb)} ${describeWorkload(ev, body)} with ${detail}`, detail };
    },
  };
}

/** "deployment prod/api"; a create's objectRef often has no name, so take it from the body */
export function describeWorkload(ev: AuditEvent, body: unknown): string {
  const name = ev.name || bodyName(body);
  const w = name ? (ev.namespace ? `${ev.namespace}/${name}` : name) : where(ev);
  return `${singular(ev.resource)} ${w}`;
}

/** metadata.name, or "generateName*" for generated names */
export function bodyName(body: unknown): string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return '';
  const md = (body as Obj).metadata;
  if (typeof md !== 'object' || md === null) return '';
  const m = md as Obj;
  if (typeof m.name === 'string' && m.name !== '') return m.name;
  if (typeof m.generateName === 'string' && m.generateName !== '') return `${m.generateName}*`;
  return '';
}
