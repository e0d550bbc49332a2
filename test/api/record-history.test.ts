import { BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { forgetOrganisation } from '../../functions/shared/organisations.js';
import { DEMO_REGISTRY } from '../../infra/local/orgs.js';
import { approvedEntry, as, type Caller, type Platform, startPlatform } from '../support/platform.js';
import { announcementBody, applicationBody } from '../support/selection.js';
import { activeGrant, scenario } from './grants-fixtures.js';

/**
 * Art. 18 (谁运营谁负责): every record history — catalog versions, applications, grants, data demands,
 * governance requests, reports — names who acted (user, organisation, role) and the organisation's
 * principal responsible person (主要负责人) from the organisation registry, read in one BatchGet.
 */
let p: Platform;
let entry: string;
let grantId: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport);
  ({ id: grantId } = await activeGrant(p, { scope: [entry] }));
});
afterAll(() => p.stop());

type Actor = {
  userId: string | null;
  role: string;
  org: string;
  organisationName: string | null;
  principalPerson: string | null;
};
type Body = Record<string, unknown>;

const registered = (c: Caller) => {
  const o = DEMO_REGISTRY.find((r) => r.code === c.org);
  if (!o) throw new Error(`not in the demo registry: ${c.org}`);
  return o;
};
/** The actor a caller's step must show, from the seeded registry. */
const actorOf = (c: Caller, over: Partial<Actor> = {}): Actor => ({
  userId: c.sub ?? null,
  role: String(c.role),
  org: c.org,
  organisationName: registered(c).name,
  principalPerson: registered(c).principal.name,
  ...over,
});

/** Reads `path` with a cold registry cache, counting the registry reads the response needed. */
const readCounting = async <T = Body>(path: string, c: Caller | undefined) => {
  forgetOrganisation();
  const send = vi.spyOn(p.rt.db, 'send');
  try {
    const res = await p.get<T>(path, c);
    const onRegistry = (cmd: unknown) => {
      if (cmd instanceof BatchGetCommand)
        return Object.keys(cmd.input.RequestItems ?? {}).some((t) => t === p.rt.tables.organisations);
      if (cmd instanceof GetCommand) return cmd.input.TableName === p.rt.tables.organisations;
      return false;
    };
    const calls = send.mock.calls.map(([cmd]) => cmd).filter(onRegistry);
    return {
      res,
      batchGets: calls.filter((x) => x instanceof BatchGetCommand).length,
      gets: calls.filter((x) => x instanceof GetCommand).length,
    };
  } finally {
    send.mockRestore();
  }
};

describe('record histories name the 主要负责人 (Art. 18)', () => {
  it('names every seeded principal distinctly (the registry is what the test compares with)', () => {
    const names = [as.authority, as.transport, as.operatorA, as.operatorB].map(
      (c) => registered(c).principal.name,
    );
    expect(new Set(names).size).toBe(4);
  });

  it('catalog versions: the reviewer, with the user hidden from the public', async () => {
    const insider = await readCounting<{ versions: { actor: Actor | null }[] }>(
      `/catalog/${entry}`,
      as.transport,
    );
    expect(insider.res.status).toBe(200);
    expect(insider.res.body.versions[0]?.actor).toEqual(actorOf(as.authority));
    // One BatchGet for the response; a GetItem at most for the caller's own organisation (the edge).
    expect(insider.batchGets).toBe(1);
    expect(insider.gets).toBeLessThanOrEqual(1);
    const pub = await p.get<{ versions: { actor: Actor | null }[] }>(`/catalog/${entry}`, undefined);
    expect(pub.body.versions[0]?.actor).toEqual(actorOf(as.authority, { userId: null }));
  });

  it('grants: both signatures, each with its organisation’s principal', async () => {
    const { res, batchGets } = await readCounting<{ history: { action: string; actor: Actor }[] }>(
      `/grants/${grantId}`,
      as.regulator,
    );
    expect(res.status).toBe(200);
    const signed = res.body.history.filter((h) => h.action === 'grant.sign');
    expect(signed.map((h) => h.actor)).toEqual([actorOf(as.authority), actorOf(as.operatorA)]);
    expect(batchGets).toBe(1);
  });

  it('data demands and governance requests', async () => {
    const demand = await p.post('/demands', as.operatorA, {
      grantId,
      entries: [entry],
      scenario: scenario(),
    });
    expect(demand.status).toBe(201);
    await p.rt.settle();
    const d = await readCounting<{ history: { action: string; actor: Actor }[] }>(
      `/demands/${demand.body.id}`,
      as.transport,
    );
    expect(d.res.status).toBe(200);
    expect(d.res.body.history[0]?.actor).toEqual(actorOf(as.operatorA));
    expect(d.batchGets).toBe(1);

    for (const reviewer of [as.authority, as.transport]) {
      const tasks = await p.get<{ items: { id: string }[] }>(
        `/tasks?kind=demand-review&subjectId=${demand.body.id}&status=pending`,
        reviewer,
      );
      await p.post(`/tasks/${tasks.body.items[0]?.id}/decision`, reviewer, { decision: 'approve' });
    }
    await p.rt.settle();
    const gq = await p.post('/governance-requests', as.operatorA, {
      entryId: entry,
      kind: 'inaccurate',
      description: '部分线路编码与实际不符',
      examples: [],
    });
    expect(gq.status).toBe(201);
    await p.post(`/governance-requests/${gq.body.id}/forward`, as.authority, { deadlineDays: 10 });
    const g = await readCounting<{ history: { action: string; actor: Actor }[] }>(
      `/governance-requests/${gq.body.id}`,
      as.regulator,
    );
    expect(g.res.body.history.map((h) => [h.action, h.actor])).toEqual([
      ['report', actorOf(as.operatorA)],
      ['forward', actorOf(as.authority)],
    ]);
    expect(g.batchGets).toBe(1);
  });

  it('reports: who submitted and who reviewed each revision', async () => {
    p.rt.clock.set('2027-04-02T02:00:00Z');
    try {
      const g = await activeGrant(p, { scope: [entry], operator: as.operatorB });
      p.rt.clock.set('2027-07-02T02:00:00Z');
      await p.rt.scheduler.fire('reports-due');
      const list = await p.get<{ items: { id: string }[] }>(`/reports?grantId=${g.id}`, as.authority);
      const id = list.body.items[0]?.id;
      expect(id).toBeTruthy();
      await p.request('PUT', `/reports/${id}`, as.operatorB, {
        content: {
          products: [],
          revenue: { total: 0, distribution: [] },
          dataUsed: [],
          securityMeasures: '数据不出域',
          incidents: [],
          staffTraining: { sessions: 1, participants: 3, topics: '数据安全' },
          problems: '',
          plans: '',
        },
      });
      expect(
        (await p.post(`/reports/${id}/submit`, as.operatorB, { truthfulnessDeclared: true })).status,
      ).toBe(200);
      expect((await p.post(`/reports/${id}/review`, as.authority, { decision: 'accept' })).status).toBe(200);
      expect((await p.post(`/reports/${id}/corrections`, as.operatorB, { reason: '更正' })).status).toBe(200);
      const r = await readCounting<{
        actor: Actor | null;
        revisions: { revision: number; actor: Actor | null; review: { actor: Actor } | null }[];
      }>(`/reports/${id}`, as.regulator);
      expect(r.res.status).toBe(200);
      expect(r.res.body.actor).toBeNull(); // the correction is an unsubmitted draft
      expect(r.res.body.revisions).toEqual([
        expect.objectContaining({
          revision: 1,
          actor: actorOf(as.operatorB),
          review: expect.objectContaining({ actor: actorOf(as.authority) }),
        }),
      ]);
      expect(r.batchGets).toBe(1);
    } finally {
      p.rt.clock.reset();
    }
  });

  it('applications: the applicant with its principal', async () => {
    const an = await p.post('/announcements', as.authority, announcementBody([entry], p.rt.clock.now()));
    await p.post(`/announcements/${an.body.id}/publish`, as.authority, {});
    const applied = await p.post('/applications', as.operatorB, {
      announcementId: an.body.id,
      ...applicationBody(as.operatorB),
    });
    expect(applied.status).toBe(201);
    await p.rt.settle();
    const a = await readCounting<{ history: { step: string; action: string; actor: Actor }[] }>(
      `/applications/${applied.body.id}`,
      as.operatorB,
    );
    expect(a.res.status).toBe(200);
    const submitted = a.res.body.history.find((h) => h.action === 'submitted');
    expect(submitted?.actor).toEqual(actorOf(as.operatorB));
    // One BatchGet for the response at most (the caller's own organisation may come from the edge's read).
    expect(a.batchGets).toBeLessThanOrEqual(1);
    expect(a.gets).toBeLessThanOrEqual(1);
  });
});
