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
 * | data-use             | 20     | share of the period's uses within their entitlement's terms: jobs   |
 * |                      |        | and verification calls (数据核验) each count one use; each job        |
 * |                      |        | attempt the query checker refused as outside the scope counts one   |
 * |                      |        | use outside the approved scenario (it lowers the score)             |
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
  /** The period's uses judged against their entitlements (see `judgeUses`); none: null. */
  readonly dataUse: null | DataUse;
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
      evidence: r.dataUse ?? { note: 'no use of data under this grant in the period' },
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

/** The period a cycle covers, [from, to) in UTC: the CST quarter, e.g. `2027-Q1` → 2026-12-31T16:00Z… */
export const cycleBounds = (cycle: string): { from: string; to: string } => {
  const m = /^(\d{4})-Q([1-4])$/.exec(cycle);
  if (!m) throw new Error(`not a cycle: ${cycle}`);
  const y = Number(m[1]);
  const q = Number(m[2]) - 1;
  const at = (year: number, month: number) =>
    new Date(Date.UTC(year, month, 1) - 8 * 3_600_000).toISOString();
  return { from: at(y, q * 3), to: q === 3 ? at(y + 1, 0) : at(y, q * 3 + 3) };
};

/** One use of data on the platform (a processing job) and the entitlements it claimed. */
export interface DataUseRecord {
  readonly id: string;
  readonly at: string;
  readonly operatorOrg: string;
  readonly demandId: string;
  readonly scenarioTitle: string;
  readonly entitlementIds: readonly string[];
}
export interface EntitlementTerms {
  readonly id: string;
  readonly operatorOrg: string;
  readonly demandId: string;
  readonly scenarioTitle: string;
  readonly validFrom: string;
  readonly validUntil: string;
  readonly endedAt?: string | undefined;
}
export type DataUse = {
  readonly uses: number;
  /** Of `uses`: processing jobs, verification product calls (数据核验), refused job attempts. */
  readonly jobs: number;
  readonly verificationCalls: number;
  readonly refusedAttempts: number;
  readonly within: number;
  readonly outside: number;
  /** Each out-of-term use with why: `{ id, reason }`. */
  readonly outOfTerm: readonly { id: string; reason: string }[];
  readonly useIds: readonly string[];
};

/**
 * Art. 16: data may be used only within the approved scenario and its duration. A use is within terms
 * when it claims at least one entitlement and every one it claims exists, belongs to the same operator,
 * demand and scenario, and was in effect at the time of use (from `validFrom`, before `validUntil`
 * and before it ended). No use at all: null (nothing to judge by).
 */
export const judgeUses = (
  uses: readonly (DataUseRecord & { kind?: 'job' | 'verification-call' })[],
  entitlements: readonly EntitlementTerms[],
  /** Job attempts refused by the query checker as outside the entitlement's scope: each is outside. */
  refused: readonly { id: string; reason: string }[] = [],
): DataUse | null => {
  if (!uses.length && !refused.length) return null;
  const byId = new Map(entitlements.map((e) => [e.id, e]));
  const outOfTerm: { id: string; reason: string }[] = [];
  for (const u of uses) {
    const reason = ((): string | null => {
      if (!u.entitlementIds.length) return 'no entitlement claimed';
      for (const id of u.entitlementIds) {
        const e = byId.get(id);
        if (!e) return `entitlement ${id} is not under this grant`;
        if (e.operatorOrg !== u.operatorOrg) return `entitlement ${id} is another operator's`;
        if (e.demandId !== u.demandId || e.scenarioTitle !== u.scenarioTitle)
          return `entitlement ${id} is for another scenario`;
        if (u.at < e.validFrom) return `used before entitlement ${id} took effect (${e.validFrom})`;
        if (u.at >= e.validUntil) return `used after entitlement ${id}'s term (${e.validUntil})`;
        if (e.endedAt && u.at >= e.endedAt) return `used after entitlement ${id} ended (${e.endedAt})`;
      }
      return null;
    })();
    if (reason) outOfTerm.push({ id: u.id, reason });
  }
  for (const r of refused) outOfTerm.push({ id: r.id, reason: `refused by the query checker: ${r.reason}` });
  const all = uses.length + refused.length;
  const calls = uses.filter((u) => u.kind === 'verification-call').length;
  return {
    uses: all,
    jobs: uses.length - calls,
    verificationCalls: calls,
    refusedAttempts: refused.length,
    within: all - outOfTerm.length,
    outside: outOfTerm.length,
    outOfTerm,
    useIds: [...uses.map((u) => u.id), ...refused.map((r) => r.id)],
  };
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
