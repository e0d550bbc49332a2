/**
 * Expert review scoring (Art. 10.3) as plain rules: criteria with weights and maximum scores live on the
 * announcement; each expert scores every criterion; an expert's total is the weighted share of the
 * maximum on a 0-100 scale; the application's result is the average of the experts' totals, which must
 * reach the announcement's pass mark.
 */
import * as z from 'zod';

export const Criterion = z.object({
  id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, 'Lower-case letters, digits and dashes'),
  name: z.string().trim().min(1).max(200),
  weight: z.number().positive().max(1000),
  maxScore: z.number().positive().max(1000),
});
export type Criterion = z.infer<typeof Criterion>;

export const ScoringCriteria = z
  .array(Criterion)
  .min(1)
  .max(30)
  .refine((cs) => new Set(cs.map((c) => c.id)).size === cs.length, 'Criterion ids must be unique');

/** Defaults when an announcement names no criteria of its own. */
export const DEFAULT_CRITERIA: readonly Criterion[] = [
  {
    id: 'capability',
    name: '技术能力与服务能力 Technical and service capability',
    weight: 30,
    maxScore: 100,
  },
  { id: 'scenarios', name: '应用场景价值 Value of the application scenarios', weight: 30, maxScore: 100 },
  { id: 'security', name: '数据安全保障 Data security safeguards', weight: 25, maxScore: 100 },
  { id: 'compliance', name: '合规经营与信用 Compliance and credit', weight: 15, maxScore: 100 },
];
export const DEFAULT_PASS_MARK = 60;
export const DEFAULT_PANEL_SIZE = 3;

const round2 = (n: number) => Math.round(n * 100) / 100;

export type ScoreCheck =
  | { readonly ok: true; readonly total: number }
  | { readonly ok: false; readonly issues: readonly { criterion: string; message: string }[] };

/** One expert's total (0-100) for scores keyed by criterion id; every criterion must be scored within range. */
export const expertTotal = (
  criteria: readonly Criterion[],
  scores: Readonly<Record<string, number>>,
): ScoreCheck => {
  const issues: { criterion: string; message: string }[] = [];
  const known = new Set(criteria.map((c) => c.id));
  for (const id of Object.keys(scores))
    if (!known.has(id)) issues.push({ criterion: id, message: 'Not a criterion of this announcement' });
  for (const c of criteria) {
    const s = scores[c.id];
    if (s === undefined) issues.push({ criterion: c.id, message: `Score “${c.name}” (0-${c.maxScore})` });
    else if (!(s >= 0 && s <= c.maxScore))
      issues.push({ criterion: c.id, message: `Between 0 and ${c.maxScore}` });
  }
  if (issues.length) return { ok: false, issues };
  const weights = criteria.reduce((sum, c) => sum + c.weight, 0);
  const total = criteria.reduce((sum, c) => sum + ((scores[c.id] ?? 0) / c.maxScore) * c.weight, 0);
  return { ok: true, total: round2((total / weights) * 100) };
};

export interface PanelResult {
  readonly average: number;
  readonly passMark: number;
  readonly passed: boolean;
  readonly experts: number;
}

/** Art. 10.3: the average of the experts' totals must reach the pass mark. */
export const panelResult = (totals: readonly number[], passMark: number): PanelResult => {
  if (totals.length === 0) throw new Error('No expert scored the application');
  const average = round2(totals.reduce((a, b) => a + b, 0) / totals.length);
  return { average, passMark, passed: average >= passMark, experts: totals.length };
};
