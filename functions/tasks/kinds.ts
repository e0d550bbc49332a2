/**
 * The registry of review task kinds: what a decision of each kind looks like (zod schema of the request
 * body), how a person reads the kind (label), and an optional check of the decision against the task's
 * own context (e.g. the scoring criteria an expert must score). Other duties add their kinds here: add an
 * entry to TASK_KINDS with `kind({ ... })`.
 *
 * Every decision's output (what the waiting workflow step receives) carries `decision: 'approve' | 'reject'`
 * and, for a rejection, a `reason`.
 */
import * as z from 'zod';
import { expertTotal, ScoringCriteria } from '../applications/scoring.js';
import type { FieldIssue } from '../shared/errors.js';

export type Decision = { readonly decision: 'approve' | 'reject'; readonly reason?: string };

export interface TaskKindDef<T extends Decision = Decision> {
  readonly label: { readonly zh: string; readonly en: string };
  /** The request body of POST /tasks/{id}/decision for this kind; its output is the decision. */
  readonly decision: z.ZodType<T>;
  /**
   * Checks a parsed decision against the task's context: returns field issues (→ 400), or fields to add
   * to the decision output (e.g. a computed score).
   */
  refine?(
    decision: T,
    context: Readonly<Record<string, unknown>>,
  ): { readonly issues?: readonly FieldIssue[]; readonly extra?: Readonly<Record<string, unknown>> };
}

/** Typing helper: infers each kind's decision type. */
const kind = <T extends Decision>(def: TaskKindDef<T>): TaskKindDef<T> => def;

const reason = z.string().trim().min(1).max(2000);
const comment = z.string().trim().max(4000).optional();

/** Approve (with an optional comment) or reject (with a reason): most review steps. */
export const ApproveOrReject = z.discriminatedUnion('decision', [
  z.object({ decision: z.literal('approve'), comment }),
  z.object({ decision: z.literal('reject'), reason }),
]);

const ExpertPanel = z.object({
  decision: z.literal('approve').default('approve'),
  /** User ids of the experts (the `sub` of their accounts). */
  experts: z.array(z.string().trim().min(1).max(128)).min(1).max(30),
  comment,
});

const ExpertScore = z
  .object({
    /** Score per criterion id, from 0 to the criterion's maximum. */
    scores: z.record(z.string().min(1).max(64), z.number().min(0).max(1000)),
    comment: z.string().trim().min(1).max(4000),
  })
  .transform((v) => ({ decision: 'approve' as const, ...v }));

export const TASK_KINDS = {
  // Art. 10.3: the authority (comprehensive) or the granting provider (domain) reviews qualifications.
  'qualification-review': kind({
    label: { zh: '资格审查', en: 'Qualification review' },
    decision: ApproveOrReject,
  }),
  // Art. 10.3: the third-party expert panel is organised by the authority (comprehensive) or by the
  // granting provider (domain): "数据提供单位对申请分领域授权的单位进行资格审查，组织第三方专家进行评审".
  // The workflow assigns the task accordingly (state-machines/selection.asl.json).
  'expert-panel': kind({
    label: { zh: '组建专家评审组', en: 'Expert panel assignment' },
    decision: ExpertPanel,
    refine: (d, context) => {
      const size = typeof context.panelSize === 'number' ? context.panelSize : 3;
      const unique = new Set(d.experts);
      const issues: FieldIssue[] = [];
      if (unique.size !== d.experts.length)
        issues.push({ path: 'body.experts', message: 'Each expert may be named once' });
      if (unique.size < size)
        issues.push({ path: 'body.experts', message: `The panel needs at least ${size} experts` });
      return { issues };
    },
  }),
  // Art. 10.3: each expert scores the application against the announcement's criteria.
  'expert-score': kind({
    label: { zh: '专家评分', en: 'Expert scoring' },
    decision: ExpertScore,
    refine: (d, context) => {
      const criteria = ScoringCriteria.safeParse(context.criteria);
      if (!criteria.success)
        return { issues: [{ path: 'context.criteria', message: 'The task carries no valid criteria' }] };
      const result = expertTotal(criteria.data, d.scores);
      if (!result.ok)
        return {
          issues: result.issues.map((i) => ({ path: `body.scores.${i.criterion}`, message: i.message })),
        };
      return { extra: { score: result.total } };
    },
  }),
  // Art. 10.3: the authority submits the experts' result to the city government (评审结果由数据主管部门
  // 统一报本级人民政府审定); `reject` withholds it, with the reason.
  'result-submission': kind({
    label: { zh: '评审结果报送', en: 'Submission of the review result to the government' },
    decision: ApproveOrReject,
  }),
  // Art. 5, 10.3: the city government approves (审定) the selection result the authority submits.
  'government-approval': kind({
    label: { zh: '政府审定', en: 'Government approval' },
    decision: ApproveOrReject,
  }),
  // Art. 16: the authority and each providing unit review an operator's data demand.
  'demand-review': kind({
    label: { zh: '数据需求审核', en: 'Data demand review' },
    decision: ApproveOrReject,
  }),
  // Art. 9: an operator put on the credit list while it holds a running grant. The authority suspends the
  // grant (Art. 14 path; `decision: approve` on the bus) or dismisses the flag (`reject`), with reasons.
  'credit-listing-review': kind({
    label: { zh: '授权运营单位列入信用名单复核', en: 'Review of a grantee put on the credit list' },
    decision: z
      .discriminatedUnion('action', [
        z.object({ action: z.literal('suspend'), reason }),
        z.object({ action: z.literal('dismiss'), reason }),
      ])
      .transform((v) => ({
        decision: v.action === 'suspend' ? ('approve' as const) : ('reject' as const),
        action: v.action,
        reason: v.reason,
      })),
  }),
} as const satisfies Record<string, TaskKindDef<Decision>>;

export type TaskKind = keyof typeof TASK_KINDS;
export const isTaskKind = (k: string): k is TaskKind => Object.hasOwn(TASK_KINDS, k);
export const kindDef = (k: TaskKind): TaskKindDef => TASK_KINDS[k] as unknown as TaskKindDef;

/**
 * The body of POST /tasks/{id}/decision as documented: one schema per task kind (each titled with its
 * kind). The handler validates the body against the task's own kind, after checking the assignee.
 */
export const documentedDecision = (): z.ZodType =>
  z.union(
    Object.entries(TASK_KINDS).map(([k, def]) =>
      (def.decision as z.ZodType).meta({
        title: k,
        description: `${def.label.zh} ${def.label.en}: the decision of a \`${k}\` task`,
      }),
    ) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]],
  );
