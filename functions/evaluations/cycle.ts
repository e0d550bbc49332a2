/**
 * Scheduled evaluation cycles (Art. 13): every quarter (China Standard Time) the platform opens an
 * evaluation for every running (active or suspended) grant and scores what its own records show; the
 * authority adds its manual judgement and records the result, and a failure enters the Art. 14 path
 * (rectification ordered, grant suspended, terminated when overdue). Pure: no AWS.
 *
 * Criteria and weights (automatic part, 100 points in all; a criterion without records on the
 * platform scores null and its weight is left out, never guessed):
 * | criterion            | weight | score                                                                |
 * | reports              | 30     | share of due reports submitted on time (½) and accepted (½)          |
 * | governance           | 15     | share of the operator's governance requests never escalated overdue |
 * | data-use             | 20     | share of data demands used within their approved scenario and term  |
 * | incidents            | 15     | share of the operator's reported security incidents closed          |
 * | rectifications       | 20     | 100 with no open rectification, else 0                              |
 */
import type { Evaluation } from './domain.js';

export const CRITERIA = {
  reports: 30,
  governance: 15,
  'data-use': 20,
  incidents: 15,
  rectifications: 20,
} as const;
export type CriterionId = keyof typeof CRITERIA;

export interface CriterionScore {
  readonly criterion: CriterionId;
  readonly weight: number;
  /** 0-100, or null when the platform holds no record to judge by. */
  readonly score: number | null;
  /** What the score was computed from (counts and ids), so the operator and regulators can check it. */
  readonly evidence: Record<string, unknown>;
}

export interface Assessment {
  readonly cycle: string;
  readonly criteria: readonly CriterionScore[];
  /** Weighted mean over the criteria with a score, 0-100 (one decimal), or null if none had records. */
  readonly automaticScore: number | null;
  readonly computedAt: string;
}

/** What the cycle step read about one grant (from the reports, governance, evaluations tables). */
export interface GrantRecords {
  readonly reports: readonly {
    id: string;
    status: string;
    late?: boolean;
    overdueAt?: string;
    dueAt: string;
  }[];
  readonly governance: readonly { id: string; escalatedAt?: string | undefined; status: string }[];
  readonly openRectifications: readonly { id: string; status: string }[];
  /** Not recorded on the platform yet (usage metering, incidents): null. */
  readonly dataUse: null | { within: number; outside: number; ids: readonly string[] };
  readonly incidents: null | { handled: number; open: number; ids: readonly string[] };
}

const pct = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1000) / 10);

export const assess = (cycle: string, r: GrantRecords, now: Date): Assessment => {
  const due = r.reports.filter((x) => Date.parse(x.dueAt) <= now.getTime() || x.status !== 'due');
  const onTime = due.filter((x) => x.status !== 'due' && x.status !== 'draft' && !x.late).length;
  const accepted = due.filter((x) => x.status === 'accepted').length;
  const reportScore =
    due.length === 0
      ? null
      : Math.round(((onTime / due.length) * 50 + (accepted / due.length) * 50) * 10) / 10;
  const escalated = r.governance.filter((g) => !!g.escalatedAt).length;
  const criteria: CriterionScore[] = [
    {
      criterion: 'reports',
      weight: CRITERIA.reports,
      score: reportScore,
      evidence: { due: due.length, onTime, accepted, reportIds: due.map((x) => x.id) },
    },
    {
      criterion: 'governance',
      weight: CRITERIA.governance,
      score: pct(r.governance.length - escalated, r.governance.length),
      evidence: { requests: r.governance.length, escalated, requestIds: r.governance.map((g) => g.id) },
    },
    {
      criterion: 'data-use',
      weight: CRITERIA['data-use'],
      score: r.dataUse ? pct(r.dataUse.within, r.dataUse.within + r.dataUse.outside) : null,
      evidence: r.dataUse ?? { note: 'no usage records on the platform yet' },
    },
    {
      criterion: 'incidents',
      weight: CRITERIA.incidents,
      score: r.incidents ? pct(r.incidents.handled, r.incidents.handled + r.incidents.open) : null,
      evidence: r.incidents ?? { note: 'no incident records on the platform yet' },
    },
    {
      criterion: 'rectifications',
      weight: CRITERIA.rectifications,
      score: r.openRectifications.length === 0 ? 100 : 0,
      evidence: { open: r.openRectifications.map((e) => ({ evaluationId: e.id, status: e.status })) },
    },
  ];
  const scored = criteria.filter((c) => c.score !== null);
  const weight = scored.reduce((s, c) => s + c.weight, 0);
  const automaticScore =
    weight === 0
      ? null
      : Math.round((scored.reduce((s, c) => s + (c.score ?? 0) * c.weight, 0) / weight) * 10) / 10;
  return { cycle, criteria, automaticScore, computedAt: now.toISOString() };
};

/** China Standard Time (UTC+8): the cycle is the quarter that ended before `now`, e.g. `2027-Q1`. */
export const cycleOf = (now: Date): string => {
  const wall = new Date(now.getTime() + 8 * 3_600_000);
  const q = Math.floor(wall.getUTCMonth() / 3);
  return q === 0 ? `${wall.getUTCFullYear() - 1}-Q4` : `${wall.getUTCFullYear()}-Q${q}`;
};

/** The evaluation a cycle opens for a running grant (active or suspended), with its assessment. */
export const openCycleEvaluation = (a: {
  id: string;
  grant: {
    id: string;
    operatorOrg: string;
    operatorName?: string;
    authorityOrg?: string;
    grantorOrg: string;
  };
  cycle: string;
  materialsDueAt: string;
  assessment: Assessment;
  now: Date;
}): Evaluation & { assessment: Assessment; cycle: string } => {
  const at = a.now.toISOString();
  return {
    id: a.id,
    grantId: a.grant.id,
    operatorOrg: a.grant.operatorOrg,
    ...(a.grant.operatorName ? { operatorName: a.grant.operatorName } : {}),
    // Provider grants name the authority; in a comprehensive grant the authority is the grantor.
    authorityOrg: a.grant.authorityOrg ?? a.grant.grantorOrg,
    period: a.cycle,
    scope: `Scheduled evaluation cycle ${a.cycle} (Art. 13)`,
    materialsDueAt: a.materialsDueAt,
    status: 'open',
    materials: [],
    rectifications: [],
    cycle: a.cycle,
    assessment: a.assessment,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
};
