type Obj = Record<string, unknown>;

export const BINDING_RESOURCES = ['rolebindings', 'clusterrolebindings'] as const;
export const ROLE_RESOURCES = ['roles', 'clusterroles'] as const;
export const RBAC_RESOURCES = [...ROLE_RESOURCES, ...BINDING_RESOURCES] as const;

function obj(v: unknown): Obj | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null;
}

function strs(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

export interface PolicyRule {
  verbs: string[];
  resources: string[];
  apiGroups: string[];
  nonResourceURLs: string[];
}

/** rules[] of a Role/ClusterRole object (or a merge patch of one) */
export function policyRules(body: unknown): PolicyRule[] {
  const o = obj(body);
  if (!o || !Array.isArray(o.rules)) return [];
  return o.rules.map((r) => {
    const x = obj(r) ?? {};
    return { verbs: strs(x.verbs), resources: strs(x.resources), apiGroups: strs(x.apiGroups), nonResourceURLs: strs(x.nonResourceURLs) };
  });
}

export interface Subject {
  kind: string;
  name: string;
  namespace: string;
}

export function bindingOf(body: unknown): { roleKind: string; roleName: string; subjects: Subject[] } | null {
  const o = obj(body);
  if (!o) return null;
  const ref = obj(o.roleRef);
  const subjects = (Array.isArray(o.subjects) ? o.subjects : []).map((s) => {
    const x = obj(s) ?? {};
    return { kind: str(x.kind), name: str(x.name), namespace: str(x.namespace) };
  });
  return { roleKind: str(ref?.kind), roleName: str(ref?.name), subjects };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

export function describeSubject(s: Subject): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
  return `${s.kind || 'subject'} ${s.name}`;
}
