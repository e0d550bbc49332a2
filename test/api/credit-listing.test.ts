import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withCheckChar } from '../../functions/shared/credit-code.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, auditOf, eventsAbout } from './grants-fixtures.js';

/**
 * Art. 9 after screening: an operator put on the credit list while it holds a running grant. The grant
 * is flagged (`creditListings`), the authority gets a `credit-listing-review` task, and its decision
 * suspends the grant or dismisses the flag with reasons.
 */
let p: Platform;
let entry: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport, { title: '公交刷卡数据' });
});
afterAll(() => p.stop());

interface Task {
  id: string;
  kind: string;
  status: string;
  subject: { type: string; id: string };
  context: Record<string, unknown>;
}

const listing = (over: Record<string, unknown>) => ({
  subjectType: 'organisation',
  list: 'dishonest-judgment-debtor',
  source: '最高人民法院失信被执行人名单',
  listedAt: new Date(p.rt.clock.now().getTime() - 60_000).toISOString(),
  ...over,
});

const reviewTasks = async (grantId: string): Promise<Task[]> => {
  const res = await p.get<{ items: Task[] }>('/tasks?kind=credit-listing-review&limit=100', as.authority);
  expect(res.status).toBe(200);
  return res.body.items.filter((t) => t.subject.id.startsWith(`${grantId}:`));
};

const grantOf = async (id: string, who: Caller = as.authority) => (await p.get(`/grants/${id}`, who)).body;

describe('a grantee put on the credit list after screening (Art. 9)', () => {
  it('by credit code: flags the grant, opens the authority’s task once, and a redelivery changes nothing', async () => {
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorA });

    const listed = await p.post('/credit-list', as.authority, listing({ creditCode: as.operatorA.org }));
    expect(listed.status).toBe(201);
    await p.rt.settle();

    // The grant carries the flag, for the authority and the operator alike.
    const grant = await grantOf(grantId, as.operatorA);
    expect(grant.status).toBe('active');
    expect(grant.creditListings).toEqual([
      expect.objectContaining({
        entryId: listed.body.id,
        matchedBy: 'credit-code',
        list: 'dishonest-judgment-debtor',
        listedAt: listed.body.listedAt,
      }),
    ]);
    const [task, ...more] = await reviewTasks(grantId);
    expect(more).toEqual([]);
    expect(task).toMatchObject({
      status: 'pending',
      subject: { type: 'grant-credit-listing', id: `${grantId}:${listed.body.id}` },
      context: { grantId, operatorOrg: as.operatorA.org, entryId: listed.body.id },
    });
    // Only the authority decides it: the operator cannot even see it.
    expect((await p.get(`/tasks/${task?.id}`, as.operatorA)).status).toBe(403);

    // At-least-once delivery: both events again change nothing.
    const auditBefore = (await auditOf(p, `grant/${grantId}`)).length;
    const [listedEvent] = eventsAbout(p, 'CreditListEntryListed', 'entryId', String(listed.body.id));
    const [flaggedEvent] = eventsAbout(p, 'GrantCreditListed', 'grantId', grantId);
    expect(listedEvent).toBeDefined();
    expect(flaggedEvent).toBeDefined();
    await p.rt.invoke('grants', listedEvent);
    await p.rt.invoke('tasks', flaggedEvent);
    await p.rt.settle();
    expect((await auditOf(p, `grant/${grantId}`)).length).toBe(auditBefore);
    expect(await reviewTasks(grantId)).toHaveLength(1);
    expect(eventsAbout(p, 'GrantCreditListed', 'grantId', grantId)).toHaveLength(1);
    expect((await grantOf(grantId)).creditListings).toHaveLength(1);

    // A suspend decision needs a reason; with one, the grant is suspended by the existing path.
    const noReason = await p.post(`/tasks/${task?.id}/decision`, as.authority, { action: 'suspend' });
    expect(noReason.status).toBe(400);
    const decided = await p.post(`/tasks/${task?.id}/decision`, as.authority, {
      action: 'suspend',
      reason: '失信被执行人，暂停授权',
    });
    expect(decided.status).toBe(200);
    await p.rt.settle();
    const after = await grantOf(grantId);
    expect(after.status).toBe('suspended');
    expect(after.suspension).toMatchObject({ by: as.authority.sub, org: as.authority.org });
    expect(String((after.suspension as { reason: string }).reason)).toContain('失信被执行人，暂停授权');
    expect(after.creditListings).toEqual([
      expect.objectContaining({
        review: expect.objectContaining({
          decision: 'suspend',
          taskId: task?.id,
          decidedBy: as.authority.sub,
        }),
      }),
    ]);
    expect(eventsAbout(p, 'GrantSuspended', 'grantId', grantId)).toHaveLength(1);
  });

  it('by NFKC name through the CSV import path; a dismissal keeps the grant and records the reason', async () => {
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorB });

    // Another credit code, the operator's name with an ideographic space and padding (NFKC-equal).
    const imported = await p.post('/credit-list/import', as.authority, {
      entries: [
        listing({
          creditCode: withCheckChar('91420300MA4A0000X'),
          name: ' 武当数智科技有限公司\u3000',
          list: 'major-tax-violation',
          source: '重大税收违法失信主体',
        }),
      ],
    });
    expect(imported.status).toBe(200);
    await p.rt.settle();

    const grant = await grantOf(grantId);
    expect(grant.creditListings).toEqual([
      expect.objectContaining({ matchedBy: 'name', list: 'major-tax-violation' }),
    ]);
    const [task] = await reviewTasks(grantId);
    expect(task?.status).toBe('pending');

    // Re-importing the same file replaces the entry and flags nothing twice.
    const again = await p.post('/credit-list/import', as.authority, {
      entries: [
        listing({
          creditCode: withCheckChar('91420300MA4A0000X'),
          name: ' 武当数智科技有限公司\u3000',
          list: 'major-tax-violation',
          source: '重大税收违法失信主体',
          listedAt: (grant.creditListings as { listedAt: string }[])[0]?.listedAt,
        }),
      ],
    });
    expect(again.body).toMatchObject({ replaced: 1 });
    await p.rt.settle();
    expect(await reviewTasks(grantId)).toHaveLength(1);
    expect((await grantOf(grantId)).creditListings).toHaveLength(1);

    const noReason = await p.post(`/tasks/${task?.id}/decision`, as.authority, { action: 'dismiss' });
    expect(noReason.status).toBe(400);
    const dismissed = await p.post(`/tasks/${task?.id}/decision`, as.authority, {
      action: 'dismiss',
      reason: '同名不同主体，核实无误',
    });
    expect(dismissed.status).toBe(200);
    await p.rt.settle();
    const after = await grantOf(grantId);
    expect(after.status).toBe('active');
    expect(after.creditListings).toEqual([
      expect.objectContaining({
        review: expect.objectContaining({ decision: 'dismiss', reason: '同名不同主体，核实无误' }),
      }),
    ]);
    expect(eventsAbout(p, 'GrantSuspended', 'grantId', grantId)).toHaveLength(0);
  });

  it('listing by name the operator of a terminated grant raises nothing (only running grants are matched)', async () => {
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorC });
    const ended = await p.post(`/grants/${grantId}/terminate`, as.authority, { reason: '严重违约' });
    expect(ended.status).toBe(200);
    await p.rt.settle();
    expect((await grantOf(grantId)).status).toBe('terminated');
    // Another credit code, the operator's name: the name match reads running grants only (the sparse
    // byRunning index; evaluation-cycle.test.ts checks the index itself).
    const listed = await p.post(
      '/credit-list',
      as.authority,
      listing({ creditCode: withCheckChar('91420300MA4A0000Y'), name: '汉江信息服务有限公司' }),
    );
    expect(listed.status).toBe(201);
    await p.rt.settle();
    expect(eventsAbout(p, 'GrantCreditListed', 'grantId', grantId)).toHaveLength(0);
    expect((await grantOf(grantId)).creditListings ?? []).toEqual([]);
    expect(await reviewTasks(grantId)).toEqual([]);
  });

  it('listing an organisation that holds no running grant raises nothing', async () => {
    const flagsBefore = p.rt.bus.events({ detailType: 'GrantCreditListed' }).length;
    const listed = await p.post('/credit-list', as.authority, listing({ creditCode: as.operatorC.org }));
    expect(listed.status).toBe(201);
    await p.rt.settle();
    expect(eventsAbout(p, 'CreditListEntryListed', 'entryId', String(listed.body.id))).toHaveLength(1);
    expect(p.rt.bus.events({ detailType: 'GrantCreditListed' })).toHaveLength(flagsBefore);
    const tasks = await p.get<{ items: Task[] }>('/tasks?kind=credit-listing-review&limit=100', as.authority);
    expect(tasks.body.items.filter((t) => t.context.operatorOrg === as.operatorC.org)).toEqual([]);
  });
});
