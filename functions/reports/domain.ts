/**
 * Operation reports (Art. 12.2: operators report periodically and accept inspection; Art. 12.4 security
 * and staff training; Art. 13 truthful materials). Pure rules: which periods are due, who may do what
 * in which state, overdue flags. No AWS.
 */

import { createHash } from 'node:crypto';
import type { Principal } from '../shared/auth.js';
import { DAY_MS } from '../shared/clock.js';
import type { REPORT_STATUSES } from '../shared/codes.js';
import { ConflictError, ForbiddenError, ValidationError } from '../shared/errors.js';

export type Cadence = 'quarterly' | 'annual';
/** The report statuses (their labels are GET /meta/codes' reportStatuses). */
export type ReportStatus = (typeof REPORT_STATUSES)[number]['code'];

/** China Standard Time (UTC+8, no daylight saving): periods and deadlines are Shiyan's calendar. */
const CST_MS = 8 * 3_600_000;
/** Days after the end of a quarter its report is due (configurable per stage through the job). */
export const QUARTERLY_DUE_DAYS = 30;

export interface ReportContent {
  readonly products: readonly { name: string; description: string; users: number }[];
  /** Yuan. */
  readonly revenue: { total: number; distribution: readonly { party: string; amount: number }[] };
  readonly dataUsed: readonly { demandId: string; scenario: string }[];
  readonly securityMeasures: string;
  readonly incidents: readonly { summary: string; incidentId?: string | undefined }[];
  readonly staffTraining: { sessions: number; participants: number; topics?: string | undefined };
  readonly problems: string;
  readonly plans: string;
}

export interface Attachment {
  readonly name: string;
  readonly contentType: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly uri: string;
}

export interface Supplement {
  readonly request: string;
  readonly dueBy: string;
  readonly requestedAt: string;
  readonly requestedBy: string;
  readonly answer?: string;
  readonly documents?: readonly string[];
  readonly answeredAt?: string;
  readonly overdueAt?: string;
}

export interface Report {
  readonly id: string;
  readonly grantId: string;
  readonly operatorOrg: string;
  readonly grantorOrg: string;
  readonly authorityOrg?: string;
  readonly cadence: Cadence;
  /** `2027-Q1` or `2026` (annual). */
  readonly period: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly dueAt: string;
  readonly status: ReportStatus;
  /** 1, then +1 for every correction; earlier revisions are kept unchanged. */
  readonly revision: number;
  readonly content: ReportContent | null;
  readonly attachments: readonly Attachment[];
  readonly submittedAt?: string;
  readonly submittedBy?: string;
  /** Set once when the due date passed without a submission: the visible overdue flag. */
  readonly overdueAt?: string;
  readonly late?: boolean;
  readonly supplements: readonly Supplement[];
  readonly review?: { decision: 'accept'; by: string; org: string; at: string; comment?: string };
  readonly correctionReason?: string;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** The grant facts a report needs (a running grant, from the grants table). */
export interface GrantFacts {
  readonly id: string;
  readonly status: string;
  readonly operatorOrg: string;
  readonly grantorOrg: string;
  readonly authorityOrg?: string;
  readonly effectiveFrom: string | null;
  readonly expiresAt: string | null;
}

export interface DuePeriod {
  readonly cadence: Cadence;
  readonly period: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly dueAt: string;
}

const cstDate = (y: number, m0: number, d: number) => new Date(Date.UTC(y, m0, d) - CST_MS);

/**
 * The reports due for a grant at `now`: the quarter that ended last (due QUARTERLY_DUE_DAYS after),
 * and, from 1 January, the annual business report for the previous year (due by 31 March, CST). Only
 * periods the grant was in force during. Creating them is idempotent (one report per grant and period).
 */
export const duePeriods = (g: GrantFacts, now: Date, dueDays = QUARTERLY_DUE_DAYS): DuePeriod[] => {
  if (g.status !== 'active' || !g.effectiveFrom) return [];
  const wall = new Date(now.getTime() + CST_MS);
  const y = wall.getUTCFullYear();
  const q = Math.floor(wall.getUTCMonth() / 3); // current quarter 0..3
  const [py, pq] = q === 0 ? [y - 1, 3] : [y, q - 1];
  const out: DuePeriod[] = [];
  const qStart = cstDate(py, pq * 3, 1);
  const qEnd = cstDate(pq === 3 ? py + 1 : py, pq === 3 ? 0 : pq * 3 + 3, 1);
  const from = Date.parse(g.effectiveFrom);
  if (from < qEnd.getTime()) {
    out.push({
      cadence: 'quarterly',
      period: `${py}-Q${pq + 1}`,
      periodStart: qStart.toISOString(),
      periodEnd: qEnd.toISOString(),
      dueAt: new Date(qEnd.getTime() + dueDays * DAY_MS).toISOString(),
    });
  }
  const yStart = cstDate(y - 1, 0, 1);
  const yEnd = cstDate(y, 0, 1);
  if (from < yEnd.getTime()) {
    out.push({
      cadence: 'annual',
      period: String(y - 1),
      periodStart: yStart.toISOString(),
      periodEnd: yEnd.toISOString(),
      // By 31 March (inclusive, CST): the first instant of 1 April is late.
      dueAt: new Date(cstDate(y, 3, 1).getTime() - 1).toISOString(),
    });
  }
  return out;
};

/** One report per grant and period, whatever the retries: the id is derived from both. */
export const reportId = (grantId: string, period: string): string =>
  `rp_${createHash('sha256').update(`${grantId}#${period}`).digest('hex').slice(0, 26)}`;

export const openReport = (g: GrantFacts, p: DuePeriod, now: Date): Report => ({
  id: reportId(g.id, p.period),
  grantId: g.id,
  operatorOrg: g.operatorOrg,
  grantorOrg: g.grantorOrg,
  ...(g.authorityOrg ? { authorityOrg: g.authorityOrg } : {}),
  ...p,
  status: 'due',
  revision: 1,
  content: null,
  attachments: [],
  supplements: [],
  version: 1,
  createdAt: now.toISOString(),
  updatedAt: now.toISOString(),
});

const SUPERVISORS = ['authority', 'regulator'];

/** The operator (its own), the grantor, the authority and regulators read reports (Art. 12.2). */
export const canSee = (r: Report, p: Principal): boolean =>
  SUPERVISORS.includes(p.role) ||
  (p.role === 'operator' && p.org === r.operatorOrg) ||
  (p.org === r.grantorOrg && (p.role === 'provider' || p.role === 'government'));

const assertOperator = (r: Report, p: Principal) => {
  if (p.role !== 'operator' || p.org !== r.operatorOrg) {
    throw new ForbiddenError('Only the operator of this grant writes its reports');
  }
};
const bad = (from: ReportStatus, what: string) =>
  new ConflictError(`A ${from} report cannot be ${what}`, 'invalid_state', { status: from });

const touch = (r: Report, now: Date, patch: Partial<Report>): Report => ({
  ...r,
  ...patch,
  version: r.version + 1,
  updatedAt: now.toISOString(),
});

/** Drafts are editable by the operator; a submitted report is immutable (Art. 13: correct by a new revision). */
export const editDraft = (
  r: Report,
  p: Principal,
  body: { content: ReportContent; attachments: readonly Attachment[] },
  now: Date,
): Report => {
  assertOperator(r, p);
  if (r.status !== 'due' && r.status !== 'draft') throw bad(r.status, 'edited; file a correction instead');
  return touch(r, now, { status: 'draft', content: body.content, attachments: body.attachments });
};

export const submit = (r: Report, p: Principal, now: Date): Report => {
  assertOperator(r, p);
  if (r.status !== 'draft') throw bad(r.status, 'submitted');
  if (!r.content) {
    throw new ValidationError('The report has no content yet', [{ path: 'content', message: 'Required' }]);
  }
  return touch(r, now, {
    status: 'submitted',
    submittedAt: now.toISOString(),
    submittedBy: p.userId,
    late: now.getTime() > Date.parse(r.dueAt),
  });
};

/** The authority accepts a submitted report, or asks for supplementary material by a deadline (Art. 13). */
export const review = (
  r: Report,
  p: Principal,
  d:
    | { decision: 'accept'; comment?: string | undefined }
    | { decision: 'request-supplement'; request: string; dueBy: string },
  now: Date,
): Report => {
  if (p.role !== 'authority') throw new ForbiddenError('Only the authority reviews reports');
  if (r.status !== 'submitted') throw bad(r.status, 'reviewed');
  if (d.decision === 'accept') {
    return touch(r, now, {
      status: 'accepted',
      review: {
        decision: 'accept',
        by: p.userId,
        org: p.org,
        at: now.toISOString(),
        ...(d.comment ? { comment: d.comment } : {}),
      },
    });
  }
  if (Date.parse(d.dueBy) <= now.getTime()) {
    throw new ValidationError('The deadline must be in the future', [
      { path: 'body.dueBy', message: 'Past' },
    ]);
  }
  const s: Supplement = {
    request: d.request,
    dueBy: new Date(d.dueBy).toISOString(),
    requestedAt: now.toISOString(),
    requestedBy: p.userId,
  };
  return touch(r, now, { status: 'supplement-requested', supplements: [...r.supplements, s] });
};

/** The operator answers the open supplement request; the report goes back to the authority. */
export const answerSupplement = (
  r: Report,
  p: Principal,
  body: { answer: string; documents: readonly string[] },
  now: Date,
): Report => {
  assertOperator(r, p);
  if (r.status !== 'supplement-requested') throw bad(r.status, 'supplemented');
  const open = r.supplements.at(-1);
  if (!open) throw bad(r.status, 'supplemented');
  const answered: Supplement = {
    ...open,
    answer: body.answer,
    documents: body.documents,
    answeredAt: now.toISOString(),
  };
  return touch(r, now, { status: 'submitted', supplements: [...r.supplements.slice(0, -1), answered] });
};

/**
 * A correction of a submitted or accepted report: a new revision, a draft carrying the old content,
 * while the old revision is kept as it was (the caller archives `r` unchanged).
 */
export const correct = (r: Report, p: Principal, reason: string, now: Date): Report => {
  assertOperator(r, p);
  if (r.status !== 'submitted' && r.status !== 'accepted') throw bad(r.status, 'corrected');
  const { submittedAt: _s, submittedBy: _b, review: _r, late: _l, ...rest } = r;
  return touch(rest as Report, now, {
    status: 'draft',
    revision: r.revision + 1,
    supplements: [],
    correctionReason: reason,
  });
};

/** The overdue flags a sweep sets at `now` (each once): the report itself, or its open supplement. */
export const overdue = (
  r: Report,
  now: Date,
): { report: Report; kind: 'report' | 'supplement' } | undefined => {
  if ((r.status === 'due' || r.status === 'draft') && !r.overdueAt && now.getTime() > Date.parse(r.dueAt)) {
    return { report: touch(r, now, { overdueAt: now.toISOString() }), kind: 'report' };
  }
  const open = r.supplements.at(-1);
  if (
    r.status === 'supplement-requested' &&
    open &&
    !open.overdueAt &&
    now.getTime() > Date.parse(open.dueBy)
  ) {
    const flagged: Supplement = { ...open, overdueAt: now.toISOString() };
    return {
      report: touch(r, now, { supplements: [...r.supplements.slice(0, -1), flagged] }),
      kind: 'supplement',
    };
  }
  return undefined;
};

/** The deadline a report waits on, for the sparse deadline index (none once flagged or done). */
export const pendingDeadline = (r: Report): string | undefined => {
  if ((r.status === 'due' || r.status === 'draft') && !r.overdueAt) return r.dueAt;
  const open = r.supplements.at(-1);
  if (r.status === 'supplement-requested' && open && !open.overdueAt) return open.dueBy;
  return undefined;
};

export const isOverdue = (r: Report): boolean =>
  (!!r.overdueAt && (r.status === 'due' || r.status === 'draft')) ||
  (r.status === 'supplement-requested' && !!r.supplements.at(-1)?.overdueAt);

export const viewOf = (r: Report) => ({ ...r, overdue: isOverdue(r) });

export const auditState = (r: Report | undefined) =>
  r ? { status: r.status, revision: r.revision, version: r.version, overdueAt: r.overdueAt ?? null } : null;

export const eventFacts = (r: Report, now: Date) => ({
  reportId: r.id,
  version: r.version,
  revision: r.revision,
  grantId: r.grantId,
  operatorOrg: r.operatorOrg,
  grantorOrg: r.grantorOrg,
  ...(r.authorityOrg ? { authorityOrg: r.authorityOrg } : {}),
  period: r.period,
  cadence: r.cadence,
  dueAt: r.dueAt,
  at: now.toISOString(),
});
