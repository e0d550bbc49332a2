import { describe, expect, it } from 'vitest';
import { DEFAULT_CRITERIA } from '../../functions/applications/scoring.js';
import type { Principal } from '../../functions/shared/auth.js';
import {
  assigneeKey,
  callerKeys,
  cancelTask,
  conflictOfInterest,
  decideTask,
  expertConflictOrgs,
  flagOverdue,
  isAssignee,
  isNewlyOverdue,
  openTask,
  viewOf,
} from '../../functions/tasks/domain.js';
import { kindDef, TASK_KINDS } from '../../functions/tasks/kinds.js';

const ORG = '11420300MB1A000011';
const T0 = new Date('2025-03-01T00:00:00Z');
const who = (p: Partial<Principal>): Principal => ({
  userId: 'u-1',
  role: 'authority',
  roles: ['authority'],
  org: ORG,
  ...p,
});

const task = (assignee = { role: 'authority' as const, org: ORG }) =>
  openTask({
    id: 'rt_0000000000001',
    kind: 'qualification-review',
    subject: { type: 'application', id: 'ap_1' },
    assignee,
    dueInDays: 2,
    title: '资格审查',
    context: {},
    execution: 'ap_1',
    now: T0,
  });

describe('review tasks (Art. 10.3, 15)', () => {
  it('lists a task under its assignee and lets only the assignee decide', () => {
    const t = task();
    expect(assigneeKey(t.assignee)).toBe(`ROLE#authority#${ORG}`);
    expect(callerKeys(who({}))).toContain(`ROLE#authority#${ORG}`);
    expect(isAssignee(t, who({}))).toBe(true);
    expect(isAssignee(t, who({ org: 'OTHER' }))).toBe(false);
    expect(isAssignee(t, who({ role: 'operator', roles: ['operator'] }))).toBe(false);
    const expertTask = task({ role: 'expert', userId: 'expert-1' } as never);
    expect(isAssignee(expertTask, who({ role: 'expert', roles: ['expert'], userId: 'expert-1' }))).toBe(true);
    expect(isAssignee(expertTask, who({ role: 'expert', roles: ['expert'], userId: 'expert-2' }))).toBe(
      false,
    );
  });

  it('is decided once; the output carries who decided and when', () => {
    const decided = decideTask(task(), who({}), { decision: 'reject', reason: '资质不足' }, T0);
    expect(decided).toMatchObject({ status: 'decided', decision: 'reject', version: 2 });
    expect(decided.output).toMatchObject({
      taskId: 'rt_0000000000001',
      reason: '资质不足',
      decidedBy: { userId: 'u-1' },
    });
    expect(() => decideTask(decided, who({}), { decision: 'approve' }, T0)).toThrow(/already been decided/);
    expect(() => decideTask(task(), who({ org: 'X' }), { decision: 'approve' }, T0)).toThrow(/assigned/);
    expect(() => cancelTask(decided, { error: 'E', reason: 'r' }, T0)).toThrow();
  });

  it('is flagged overdue once its deadline passed, and stays decidable', () => {
    const t = task();
    expect(t.dueAt).toBe('2025-03-03T00:00:00.000Z');
    expect(isNewlyOverdue(t, new Date('2025-03-02T23:59:59Z'))).toBe(false);
    const late = new Date('2025-03-03T00:00:00Z');
    expect(isNewlyOverdue(t, late)).toBe(true);
    const flagged = flagOverdue(t, late);
    expect(flagged).toMatchObject({ overdue: true, escalatedAt: late.toISOString(), status: 'pending' });
    expect(isNewlyOverdue(flagged, late)).toBe(false);
    expect(decideTask(flagged, who({}), { decision: 'approve' }, late).status).toBe('decided');
  });

  it('never shows the task token', () => {
    expect(Object.keys(viewOf(task()))).not.toContain('taskToken');
  });
});

describe('task kinds', () => {
  it('validates an expert panel against the panel size', () => {
    const def = kindDef('expert-panel');
    const d = def.decision.parse({ experts: ['e1', 'e2', 'e2'] });
    expect(def.refine?.(d, { panelSize: 3 }).issues?.map((i) => i.message)).toEqual([
      'Each expert may be named once',
      'The panel needs at least 3 experts',
    ]);
  });

  it('validates expert scores against the criteria and adds the weighted total', () => {
    const def = kindDef('expert-score');
    const d = def.decision.parse({
      scores: { capability: 80, scenarios: 80, security: 80, compliance: 80 },
      comment: '好',
    });
    expect(d.decision).toBe('approve');
    expect(def.refine?.(d, { criteria: DEFAULT_CRITERIA })).toEqual({ extra: { score: 80 } });
    expect(def.refine?.(d, {}).issues).toHaveLength(1);
  });

  it('requires a reason to reject, and labels every kind', () => {
    expect(kindDef('qualification-review').decision.safeParse({ decision: 'reject' }).success).toBe(false);
    for (const k of Object.values(TASK_KINDS)) expect(k.label.zh.length).toBeGreaterThan(0);
  });
});

describe('nobody decides on their own record (Art. 10.3, 18)', () => {
  it('refuses the applicant organisation and the submitting user, whatever roles they hold', () => {
    const t = { context: { operatorOrg: 'OPER', submittedBy: 'op-user' } };
    expect(conflictOfInterest(t, { userId: 'someone', org: 'OPER' })).toMatch(/own application/);
    expect(conflictOfInterest(t, { userId: 'op-user', org: 'AUTH' })).toMatch(/submitted/);
    expect(conflictOfInterest(t, { userId: 'reviewer', org: 'AUTH' })).toBeUndefined();
  });

  it('keeps the applicant and (domain mode) the granting provider off the expert panel', () => {
    expect(
      expertConflictOrgs({ context: { operatorOrg: 'OPER', expertConflicts: ['OPER', 'PROV'] } }).sort(),
    ).toEqual(['OPER', 'PROV']);
    expect(expertConflictOrgs({ context: { operatorOrg: 'OPER' } })).toEqual(['OPER']);
  });
});
