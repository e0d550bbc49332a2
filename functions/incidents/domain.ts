/**
 * Security incidents on authorized data (Art. 12.4: operators are responsible for data security; Art. 18:
 * 谁运营谁负责、谁使用谁负责, the authority and regulators supervise). Pure rules, no AWS.
 */
import type { Principal } from '../shared/auth.js';
import { ConflictError, ForbiddenError, ValidationError } from '../shared/errors.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
/** Severe incidents are notified to the authority and every regulator at once. */
export const isSevere = (s: Severity): boolean => s === 'high' || s === 'critical';

export interface IncidentUpdate {
  readonly at: string;
  readonly by: string;
  readonly org: string;
  readonly role: string;
  readonly note: string;
}

export interface Incident {
  readonly id: string;
  readonly status: 'open' | 'closed';
  readonly reporterOrg: string;
  readonly reporterRole: string;
  readonly reportedBy: string;
  readonly grantId?: string;
  readonly kind: string;
  readonly severity: Severity;
  readonly occurredAt: string;
  readonly affectedEntries: readonly string[];
  readonly description: string;
  readonly measures: string;
  readonly updates: readonly IncidentUpdate[];
  readonly closed?: { at: string; by: string; org: string; role: string; conclusion: string };
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const SUPERVISORS = ['authority', 'regulator'];
const isSupervisor = (p: Principal) => SUPERVISORS.includes(p.role);

export const canSee = (i: Incident, p: Principal): boolean => isSupervisor(p) || p.org === i.reporterOrg;

export const report = (
  a: {
    id: string;
    body: Omit<
      Incident,
      | 'id'
      | 'status'
      | 'reporterOrg'
      | 'reporterRole'
      | 'reportedBy'
      | 'updates'
      | 'version'
      | 'createdAt'
      | 'updatedAt'
    >;
    /** The grant named by `body.grantId`, as the grants table holds it (undefined: none such). */
    grant?: { readonly operatorOrg: string } | undefined;
  },
  p: Principal,
  now: Date,
): Incident => {
  if (p.role !== 'operator' && p.role !== 'consumer') {
    throw new ForbiddenError('Operators and data-product users report incidents');
  }
  // An incident has happened: a time after the report is a typing error (400, kept out of the record).
  if (new Date(a.body.occurredAt).getTime() > now.getTime()) {
    throw new ValidationError('An incident cannot have occurred after it is reported', [
      { path: 'body.occurredAt', message: 'In the future' },
    ]);
  }
  if (a.body.grantId !== undefined) {
    // Art. 18 (谁运营谁负责): an operator reports on its own authorization, never on another's.
    if (!a.grant) {
      throw new ValidationError('No such grant', [{ path: 'body.grantId', message: 'Unknown grant' }]);
    }
    if (p.role === 'operator' && a.grant.operatorOrg !== p.org) {
      throw new ForbiddenError('An operator reports incidents on its own grants only');
    }
  }
  const at = now.toISOString();
  return {
    id: a.id,
    status: 'open',
    reporterOrg: p.org,
    reporterRole: p.role,
    reportedBy: p.userId,
    ...a.body,
    occurredAt: new Date(a.body.occurredAt).toISOString(),
    updates: [],
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};

/** The reporter adds measures taken; the authority and regulators add their follow-up. */
export const addUpdate = (i: Incident, p: Principal, note: string, now: Date): Incident => {
  if (!canSee(i, p)) throw new ForbiddenError('This incident concerns another organisation');
  if (i.status !== 'open') throw new ConflictError('A closed incident takes no updates', 'invalid_state');
  const u: IncidentUpdate = { at: now.toISOString(), by: p.userId, org: p.org, role: p.role, note };
  return { ...i, updates: [...i.updates, u], version: i.version + 1, updatedAt: now.toISOString() };
};

/** Only the authority or a regulator closes an incident (the reporter never closes its own). */
export const close = (i: Incident, p: Principal, conclusion: string, now: Date): Incident => {
  if (!isSupervisor(p)) throw new ForbiddenError('Only the authority or a regulator closes an incident');
  if (i.status !== 'open') throw new ConflictError('The incident is already closed', 'invalid_state');
  const at = now.toISOString();
  return {
    ...i,
    status: 'closed',
    closed: { at, by: p.userId, org: p.org, role: p.role, conclusion },
    version: i.version + 1,
    updatedAt: at,
  };
};

export const auditState = (i: Incident | undefined) =>
  i ? { status: i.status, severity: i.severity, version: i.version, updates: i.updates.length } : null;

export const eventFacts = (i: Incident, now: Date) => ({
  incidentId: i.id,
  version: i.version,
  reporterOrg: i.reporterOrg,
  reporterRole: i.reporterRole,
  ...(i.grantId ? { grantId: i.grantId } : {}),
  kind: i.kind,
  severity: i.severity,
  at: now.toISOString(),
});
