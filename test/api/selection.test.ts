import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../functions/shared/clock.js';
import { withCheckChar } from '../../functions/shared/credit-code.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import {
  approvedEntry,
  as,
  auditOf,
  type Caller,
  type Platform,
  startPlatform,
} from '../support/platform.js';
import { announcementBody, applicationBody } from '../support/selection.js';

let p: Platform;
let transportEntry: string;
let transportEntry2: string;
let hrssEntry: string;
/** The grant the whole story ends with (renewed below). */
let storyGrant: string | undefined;

beforeAll(async () => {
  p = await startPlatform();
  transportEntry = await approvedEntry(p, as.transport, { title: '公交线路数据' });
  transportEntry2 = await approvedEntry(p, as.transport, { title: '出租车运营数据' });
  hrssEntry = await approvedEntry(p, as.hrss, { title: '就业岗位数据', domain: 'employment' });
});
afterAll(() => p.stop());

type Body = Record<string, unknown>;
type Task = {
  id: string;
  kind: string;
  status: string;
  overdue: boolean;
  subject: { id: string };
  escalatedAt: string | null;
  context: Body;
};

const now = () => p.rt.clock.now();

/** An announcement over the transport and hrss entries, open now. */
const announcement = (overrides: Body = {}): Body =>
  announcementBody([transportEntry, hrssEntry], now(), overrides);

const publishedAnnouncement = async (overrides: Body = {}): Promise<string> => {
  const created = await p.post('/announcements', as.authority, announcement(overrides));
  if (created.status !== 201)
    throw new Error(`create announcement: ${created.status} ${JSON.stringify(created.body)}`);
  const id = String(created.body.id);
  const published = await p.post(`/announcements/${id}/publish`, as.authority, {});
  if (published.status !== 200)
    throw new Error(`publish: ${published.status} ${JSON.stringify(published.body)}`);
  return id;
};

const apply = async (announcementId: string, operator: Caller, overrides: Body = {}) => {
  const res = await p.post('/applications', operator, {
    announcementId,
    ...applicationBody(operator, overrides),
  });
  await p.rt.settle();
  return res;
};

/** The caller's pending task of a kind for an application. */
const pendingTask = async (who: Caller, applicationId: string, kind: string): Promise<Task> => {
  const res = await p.get<{ items: Task[] }>(
    `/tasks?status=pending&subjectId=${applicationId}&kind=${kind}`,
    who,
  );
  const task = res.body.items?.[0];
  if (!task)
    throw new Error(
      `no pending ${kind} task for ${JSON.stringify(who)}: ${res.status} ${JSON.stringify(res.body)}`,
    );
  return task;
};

const decide = async (who: Caller, task: Task, body: Body) => {
  const res = await p.post(`/tasks/${task.id}/decision`, who, body);
  await p.rt.settle();
  return res;
};

const fullScores = (value: number) => ({
  capability: value,
  scenarios: value,
  security: value,
  compliance: value,
});

/**
 * Runs an application through qualification, panel and scoring (with the given per-criterion score).
 * The reviewer (the authority, or the granting provider in domain mode) also organises the panel.
 */
const throughExperts = async (applicationId: string, score = 85, reviewer: Caller = as.authority) => {
  await decide(reviewer, await pendingTask(reviewer, applicationId, 'qualification-review'), {
    decision: 'approve',
  });
  await decide(reviewer, await pendingTask(reviewer, applicationId, 'expert-panel'), {
    experts: ['expert-1', 'expert-2', 'expert-3'],
  });
  for (const n of [1, 2, 3]) {
    const t = await pendingTask(as.expert(n), applicationId, 'expert-score');
    const res = await decide(as.expert(n), t, { scores: fullScores(score), comment: `专家${n}意见` });
    expect(res.status).toBe(200);
  }
  await submitResult(applicationId);
};

/**
 * Art. 10.3: the authority submits a passing result to the government (a user other than the one who
 * reviewed qualifications is not required, but the submitting user must not be the applicant's).
 * Nothing to submit after a failing result.
 */
const submitResult = async (applicationId: string, who: Caller = as.authority) => {
  const res = await p.get<{ items: Task[] }>(
    `/tasks?status=pending&subjectId=${applicationId}&kind=result-submission`,
    who,
  );
  const task = res.body.items?.[0];
  if (task) expect((await decide(who, task, { decision: 'approve' })).status).toBe(200);
};

const application = (id: string, who: Caller = as.authority) => p.get(`/applications/${id}`, who);

/** Operators without demo accounts (any valid credit code gets a token locally). */
const operatorNamed = (letter: string): Caller => ({
  role: 'operator',
  org: withCheckChar(`91420300MA4A0000${letter}`),
  sub: `op-${letter.toLowerCase()}-1`,
});

/** The government approves; returns the application as it then stands. */
const approveByGovernment = async (id: string) => {
  await decide(as.government, await pendingTask(as.government, id, 'government-approval'), {
    decision: 'approve',
  });
  return application(id);
};

/** Both parties sign the agreement of an application in signing; returns the grant id. */
const signBoth = async (id: string, grantor: Caller, operator: Caller): Promise<string> => {
  const grantId = String((await application(id)).body.grantId);
  await p.post(`/grants/${grantId}/sign`, grantor, {});
  await p.post(`/grants/${grantId}/sign`, operator, {});
  await p.rt.settle();
  return grantId;
};

/** A whole comprehensive selection for `operator`, ending in an active grant; returns its id. */
const activeGrantFor = async (operator: Caller): Promise<string> => {
  const an = await publishedAnnouncement();
  const id = String((await apply(an, operator)).body.id);
  await throughExperts(id, 80);
  await approveByGovernment(id);
  return signBoth(id, as.authority, operator);
};

/** Applies for the renewal of a grant (Art. 10.5). */
const applyRenewal = async (grantId: string, operator: Caller) => {
  const res = await p.post('/applications', operator, { renewalOf: grantId, ...applicationBody(operator) });
  await p.rt.settle();
  return res;
};

describe('the whole selection story (Art. 9, 10)', () => {
  it('publishes, screens, reviews, scores, approves and signs: the grant is active and public', async () => {
    // Prepare: operator C's legal representative is on the dishonest judgment debtors list.
    const listed = await p.post('/credit-list', as.authority, {
      subjectType: 'organisation',
      creditCode: as.operatorC.org,
      list: 'dishonest-judgment-debtor',
      source: '最高人民法院失信被执行人名单',
      listedAt: addDays(now(), -100).toISOString(),
    });
    expect(listed.status).toBe(201);
    const announcementId = await publishedAnnouncement();
    const publicList = await p.get<{ items: { id: string }[] }>('/announcements');
    expect(publicList.body.items.map((a) => a.id)).toContain(announcementId);

    // Act: two operators apply; C is rejected automatically.
    const a = await apply(announcementId, as.operatorA);
    const c = await apply(announcementId, as.operatorC);
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ status: 'under-review', currentStep: 'qualification-review' });
    expect(c.status).toBe(201);
    expect(c.body).toMatchObject({ status: 'rejected', rejection: { step: 'screening' } });
    expect(String((c.body.rejection as Body).reason)).toContain('失信被执行人');
    expect(p.rt.workflows.executions().map((e) => e.name)).not.toContain(c.body.id);
    const appId = String(a.body.id);

    await throughExperts(appId, 85);
    const scored = await application(appId);
    expect(scored.body).toMatchObject({
      currentStep: 'government-approval',
      result: { average: 85, passed: true },
    });

    const approval = await pendingTask(as.government, appId, 'government-approval');
    expect((await decide(as.government, approval, { decision: 'approve', comment: '同意' })).status).toBe(
      200,
    );
    const signing = await application(appId, as.operatorA);
    expect(signing.body).toMatchObject({ status: 'signing', currentStep: 'signing' });
    const grantId = String(signing.body.grantId);
    expect(grantId).toMatch(/^gr_/);

    const byGrantor = await p.post(`/grants/${grantId}/sign`, as.authority, {});
    const byOperator = await p.post(`/grants/${grantId}/sign`, as.operatorA, {});
    await p.rt.settle();

    // Assess
    expect(byGrantor.status).toBe(200);
    expect(byOperator.status).toBe(200);
    const done = await application(appId);
    const mine = await application(appId, as.operatorA);
    expect(done.body).toMatchObject({ status: 'approved', currentStep: 'closed', grantId });
    expect(mine.body).toMatchObject({ status: 'approved', currentStep: 'closed', grantId });
    const history = done.body.history as {
      action: string;
      step: string;
      actor: { userId: string; role: string };
    }[];
    expect(history.map((h) => `${h.step}:${h.action}`)).toEqual([
      'screening:submitted',
      'screening:screened',
      'qualification-review:decided',
      'expert-panel:panel-assigned',
      'expert-review:scored',
      'expert-review:scored',
      'expert-review:scored',
      'expert-review:passed',
      'result-submission:submitted-to-government',
      'government-approval:decided',
      'signing:grant-drafted',
      'signing:grant-signed',
    ]);
    expect(history[2]?.actor).toMatchObject({ userId: as.authority.sub, role: 'authority' });
    // Art. 10.3: the authority (a person, not the platform) submitted the result to the government.
    expect(history[8]?.actor).toMatchObject({ userId: as.authority.sub, role: 'authority' });
    expect(history[9]?.actor).toMatchObject({ userId: as.government.sub, role: 'government' });
    // Art. 10.3: the applicant follows the result and the decisions, never who the experts are nor what
    // each scored or wrote; the authority and regulators see the whole review.
    const supervised = await application(appId, as.regulator);
    expect(JSON.stringify(mine.body)).not.toMatch(/expert-[123]|专家[123]意见/);
    expect(mine.body).toMatchObject({ panel: null, panelSize: 3, result: { average: 85, passed: true } });
    expect(
      (mine.body.history as { step: string; action: string }[]).map((h) => `${h.step}:${h.action}`),
    ).toEqual(history.map((h) => `${h.step}:${h.action}`).filter((h) => h !== 'expert-review:scored'));
    expect(done.body).toMatchObject({ panel: ['expert-1', 'expert-2', 'expert-3'] });
    expect(JSON.stringify(done.body)).toContain('专家2意见');
    expect(JSON.stringify(supervised.body)).toContain('expert-3');
    const grant = await p.get(`/grants/${grantId}`, as.operatorA);
    expect(grant.body).toMatchObject({ status: 'active' });
    const publicGrants = await p.get<{ items: { id: string }[] }>('/public/grants');
    expect(publicGrants.body.items.map((g) => g.id)).toContain(grantId);
    const activated = p.rt.bus.events({ detailType: 'GrantActivated' });
    expect(activated.some((e) => e.detail.grantId === grantId)).toBe(true);
    expect(
      p.rt.bus.events({ detailType: 'ApplicationApproved' }).some((e) => e.detail.applicationId === appId),
    ).toBe(true);
    expect(
      p.rt.bus
        .events({ detailType: 'ApplicationRejected' })
        .some((e) => e.detail.applicationId === c.body.id),
    ).toBe(true);
    const execution = p.rt.workflows.executions().find((e) => e.name === appId);
    expect(execution?.status).toBe('SUCCEEDED');
    storyGrant = grantId;
    // Every transition is audited, in the order the story ran: the application's own transitions (by
    // version), each human step's decision on its review task, and the agreement's signatures.
    const application_ = await auditOf(p, `application/${appId}`);
    const moveOf = (x: Record<string, { currentStep?: string } | null>) =>
      `${x.before?.currentStep ?? '-'}>${x.after?.currentStep}`;
    expect(
      [...application_]
        .sort((x, y) => Number(x.after?.version) - Number(y.after?.version))
        .map((x) => `${x.action}:${moveOf(x)}`),
    ).toEqual([
      'application.submit:->qualification-review',
      'application.advance:qualification-review>expert-panel',
      'application.advance:expert-panel>expert-review',
      'application.expert-review:expert-review>result-submission',
      'application.advance:result-submission>government-approval',
      'application.advance:government-approval>signing',
      'application.advance:signing>signing',
      'application.approve:signing>closed',
    ]);
    const taskOf = (step: string, n = 0) => {
      const key = (done.body.history as { step: string; key?: string }[]).filter(
        (h) => h.step === step && h.key?.startsWith('task:'),
      )[n]?.key;
      if (!key) throw new Error(`no ${step} task #${n} in the history`);
      return `review-task/${key.slice('task:'.length)}`;
    };
    const trail = (
      await Promise.all(
        [
          `application/${appId}`,
          taskOf('qualification-review'),
          taskOf('expert-panel'),
          ...[0, 1, 2].map((n) => taskOf('expert-review', n)),
          taskOf('result-submission'),
          taskOf('government-approval'),
          `grant/${grantId}`,
        ].map((r) => auditOf(p, r)),
      )
    ).flat();
    const app = `application/${appId}`;
    /** One expected audit event; `move` (application events only) is `from>to` of its current step. */
    const step = (resource: string, action: string, by: string, move?: string) => ({
      resource,
      action,
      by,
      move,
    });
    const system = 'system:selection';
    const expected = [
      step(app, 'application.submit', as.operatorA.sub!, '->qualification-review'),
      step(taskOf('qualification-review'), 'task.approve', as.authority.sub!),
      step(app, 'application.advance', system, 'qualification-review>expert-panel'),
      step(taskOf('expert-panel'), 'task.approve', as.authority.sub!),
      step(app, 'application.advance', system, 'expert-panel>expert-review'),
      ...[0, 1, 2].map((n) => step(taskOf('expert-review', n), 'task.approve', `expert-${n + 1}`)),
      step(app, 'application.expert-review', system, 'expert-review>result-submission'),
      step(taskOf('result-submission'), 'task.approve', as.authority.sub!),
      step(app, 'application.advance', system, 'result-submission>government-approval'),
      step(taskOf('government-approval'), 'task.approve', as.government.sub!),
      step(app, 'application.advance', system, 'government-approval>signing'),
      step(`grant/${grantId}`, 'grant.draft', 'system:draftGrant'),
      step(`grant/${grantId}`, 'grant.sign', as.authority.sub!),
      step(`grant/${grantId}`, 'grant.sign', as.operatorA.sub!),
      step(app, 'application.approve', system, 'signing>closed'),
    ];
    const found = expected.map((e) =>
      trail.find(
        (x) =>
          x.resource === e.resource &&
          x.action === e.action &&
          x.actor?.userId === e.by &&
          (e.move === undefined || moveOf(x) === e.move),
      ),
    );
    expect(found.map((x) => (x ? `${x.action} by ${x.actor.userId}` : undefined))).toEqual(
      expected.map((e) => `${e.action} by ${e.by}`),
    );
    const times = found.map((x) => String(x?.at));
    expect(times).toEqual([...times].sort());
  });
});

describe('renewal (Art. 10.5)', () => {
  it('accepts a renewal from the grant’s operator only, runs the same workflow, and the new term starts at the old end', async () => {
    if (!storyGrant) throw new Error('the whole story must run first');
    const old = await p.get(`/grants/${storyGrant}`, as.operatorA);
    const renewal = { renewalOf: storyGrant, ...applicationBody(as.operatorA) };

    const byOther = await p.post('/applications', as.operatorB, {
      renewalOf: storyGrant,
      ...applicationBody(as.operatorB),
    });
    const both = await p.post('/applications', as.operatorA, {
      ...renewal,
      announcementId: 'an_0000000000000',
    });
    const applied = await p.post('/applications', as.operatorA, renewal);
    await p.rt.settle();
    const duplicate = await p.post('/applications', as.operatorA, renewal);
    const id = String(applied.body.id);
    await throughExperts(id, 80);
    await decide(as.government, await pendingTask(as.government, id, 'government-approval'), {
      decision: 'approve',
    });
    const newGrant = String((await application(id, as.operatorA)).body.grantId);
    await p.post(`/grants/${newGrant}/sign`, as.authority, {});
    await p.post(`/grants/${newGrant}/sign`, as.operatorA, {});
    await p.rt.settle();
    // The grants rule: a grant is renewed once only; and its successor is renewed before it ends.
    const again = await p.post('/applications', as.operatorA, renewal);
    const newTerm = await p.get(`/grants/${newGrant}`, as.operatorA);
    p.rt.clock.set(new Date(new Date(String(newTerm.body.expiresAt)).getTime() + 1000));
    const late = await p.post('/applications', as.operatorA, {
      renewalOf: newGrant,
      ...applicationBody(as.operatorA),
    });
    p.rt.clock.reset();

    expect(byOther.status).toBe(403);
    expect(both.status).toBe(400);
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({
      status: 'under-review',
      renewalOf: storyGrant,
      plan: { scope: old.body.scope },
    });
    expect(duplicate.status).toBe(409);
    expect((await application(id)).body).toMatchObject({ status: 'approved', grantId: newGrant });
    const renewed = await p.get(`/grants/${newGrant}`, as.operatorA);
    expect(renewed.body).toMatchObject({ renewalOf: storyGrant, effectiveFrom: old.body.expiresAt });
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_renewed' });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'renewal_too_late' });
    expect(String((late.body.error as Body).message)).toContain('Art. 10.5');
  });

  it('grants a renewal applied for in time even when its review ends after the old term', async () => {
    const old = await activeGrantFor(as.operatorB);
    const oldEnd = String((await p.get(`/grants/${old}`, as.operatorB)).body.expiresAt);
    const applied = await applyRenewal(old, as.operatorB);
    const id = String(applied.body.id);
    await throughExperts(id, 80);

    // Act: the government approves a day after the old term ended; the parties sign.
    p.rt.clock.set(addDays(new Date(oldEnd), 1));
    const signing = await approveByGovernment(id);
    const newGrant = await signBoth(id, as.authority, as.operatorB);
    const done = await application(id);
    const grant = await p.get(`/grants/${newGrant}`, as.operatorB);
    p.rt.clock.reset();

    expect(applied.status).toBe(201);
    expect(signing.body).toMatchObject({ status: 'signing', grantId: expect.stringMatching(/^gr_/) });
    expect(done.body).toMatchObject({ status: 'approved', grantId: newGrant });
    // Art. 10.5: the terms are contiguous: the renewal starts exactly at the old end, even signed later.
    expect(grant.body).toMatchObject({ status: 'active', renewalOf: old, effectiveFrom: oldEnd });
    expect(p.rt.workflows.executions().find((e) => e.name === id)?.status).toBe('SUCCEEDED');
  });

  it('ends a renewal whose agreement can no longer be drafted as rejected, never stuck in signing', async () => {
    const old = await activeGrantFor(as.operatorA);
    const id = String((await applyRenewal(old, as.operatorA)).body.id);
    await throughExperts(id, 80);

    // Act: the grant to renew is terminated during the review; the government then approves.
    const terminated = await p.post(`/grants/${old}/terminate`, as.authority, { reason: '严重违约' });
    await p.rt.settle();
    await approveByGovernment(id);
    const app = await application(id, as.operatorA);

    expect(terminated.status).toBe(200);
    expect(app.body).toMatchObject({
      status: 'rejected',
      currentStep: 'closed',
      rejection: { step: 'signing' },
    });
    expect(String((app.body.rejection as Body).reason)).toContain('The agreement could not be drafted');
    expect(String((app.body.rejection as Body).reason)).toContain('terminated');
    expect(p.rt.workflows.executions().find((e) => e.name === id)?.status).toBe('SUCCEEDED');
    const rejected = p.rt.bus
      .events({ detailType: 'ApplicationRejected' })
      .filter((e) => e.detail.applicationId === id);
    expect(rejected.map((e) => e.detail.step)).toEqual(['signing']);
  });
});

describe('rejection paths', () => {
  it('rejects at qualification review with the reviewer’s reason', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorA)).body.id);

    await decide(as.authority, await pendingTask(as.authority, id, 'qualification-review'), {
      decision: 'reject',
      reason: '资质不足',
    });

    const app = await application(id, as.operatorA);
    expect(app.body).toMatchObject({
      status: 'rejected',
      rejection: { step: 'qualification-review', reason: '资质不足' },
    });
    const rejected = p.rt.bus
      .events({ detailType: 'ApplicationRejected' })
      .filter((e) => e.detail.applicationId === id);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.detail).toMatchObject({ step: 'qualification-review', reason: '资质不足' });
  });

  it('rejects when the experts’ average is below the pass mark', async () => {
    const an = await publishedAnnouncement({ passMark: 70 });
    const id = String((await apply(an, as.operatorA)).body.id);

    await throughExperts(id, 60);

    const app = await application(id);
    expect(app.body).toMatchObject({
      status: 'rejected',
      rejection: { step: 'expert-review' },
      result: { average: 60, passed: false },
    });
    expect(String((app.body.rejection as Body).reason)).toContain('60');
  });

  it('rejects at government approval', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorA)).body.id);
    await throughExperts(id, 90);

    await decide(as.government, await pendingTask(as.government, id, 'government-approval'), {
      decision: 'reject',
      reason: '不予审定',
    });

    expect((await application(id)).body).toMatchObject({
      status: 'rejected',
      rejection: { step: 'government-approval', reason: '不予审定' },
    });
  });

  it('rejects when the agreement is terminated while being signed (Art. 10.4), never approves', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorB)).body.id);
    await throughExperts(id, 85);
    const signing = await approveByGovernment(id);
    const grantId = String(signing.body.grantId);
    await p.post(`/grants/${grantId}/sign`, as.operatorB, {});

    const terminated = await p.post(`/grants/${grantId}/terminate`, as.authority, { reason: '材料造假' });
    await p.rt.settle();

    expect(terminated.status).toBe(200);
    const app = await application(id, as.operatorB);
    expect(app.body).toMatchObject({ status: 'rejected', grantId, rejection: { step: 'signing' } });
    expect(String((app.body.rejection as Body).reason)).toContain(
      'the grant is terminated (reason: 材料造假)',
    );
    expect(
      p.rt.bus.events({ detailType: 'ApplicationApproved' }).some((e) => e.detail.applicationId === id),
    ).toBe(false);
    expect(p.rt.workflows.executions().find((e) => e.name === id)?.status).toBe('SUCCEEDED');
  });

  it('rejects a legal representative on the credit list by identity number', async () => {
    await p.post('/credit-list/import', as.authority, {
      entries: [
        {
          subjectType: 'legal-representative',
          idNumber: '420300199001011234',
          name: '赵六',
          list: 'major-tax-violation',
          source: '税务总局重大税收违法失信主体',
          listedAt: addDays(now(), -10).toISOString(),
        },
      ],
    });
    const an = await publishedAnnouncement();

    const res = await apply(an, as.operatorB, {
      legalRepresentative: { name: '赵六', idNumber: '420300199001011234' },
    });

    expect(res.body).toMatchObject({ status: 'rejected', rejection: { step: 'screening' } });
    expect(String((res.body.rejection as Body).reason)).toContain('重大税收违法');
  });
});

describe('domain mode (Art. 5)', () => {
  it('checks that every scoped entry belongs to the granting provider, and routes review to it', async () => {
    const foreign = await p.post('/announcements', as.authority, {
      ...announcement({
        mode: 'domain',
        domain: 'transport',
        grantingProvider: { org: as.transport.org, name: '十堰市交通运输局' },
      }),
    });
    const refused = await p.post(`/announcements/${foreign.body.id}/publish`, as.authority, {});
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'scope_invalid', details: { entryId: hrssEntry } });

    const an = await publishedAnnouncement({
      mode: 'domain',
      domain: 'transport',
      grantingProvider: { org: as.transport.org, name: '十堰市交通运输局' },
      scope: [transportEntry, transportEntry2],
    });
    const id = String((await apply(an, as.operatorA)).body.id);

    const authorityTasks = await p.get<{ items: Task[] }>(`/tasks?subjectId=${id}`, as.authority);
    const otherProvider = await p.get(`/applications/${id}`, as.hrss);
    const reviewerView = await p.get(`/applications/${id}`, as.transport);
    const reviewTask = await pendingTask(as.transport, id, 'qualification-review');
    const wrongProvider = await p.post(`/tasks/${reviewTask.id}/decision`, as.hrss, { decision: 'approve' });
    const wrongRole = await p.post(`/tasks/${reviewTask.id}/decision`, as.authority, { decision: 'approve' });
    const right = await decide(as.transport, reviewTask, { decision: 'approve' });
    // Art. 10.3: the granting provider also organises the experts in domain mode.
    const panelTask = await pendingTask(as.transport, id, 'expert-panel');
    const authorityPanel = await p.post(`/tasks/${panelTask.id}/decision`, as.authority, {
      experts: ['expert-1', 'expert-2', 'expert-3'],
    });
    const authorityPanelTasks = await p.get<{ items: Task[] }>(
      `/tasks?subjectId=${id}&kind=expert-panel`,
      as.authority,
    );
    const panel = await decide(as.transport, panelTask, { experts: ['expert-1', 'expert-2', 'expert-3'] });

    expect(authorityTasks.body.items).toHaveLength(0);
    expect(otherProvider.status).toBe(403);
    expect(reviewerView.status).toBe(200);
    expect(wrongProvider.status).toBe(403);
    expect(wrongRole.status).toBe(403);
    expect(right.status).toBe(200);
    expect(authorityPanel.status).toBe(403);
    expect(authorityPanelTasks.body.items).toHaveLength(0);
    expect(panel.status).toBe(200);
    expect((await application(id)).body).toMatchObject({
      currentStep: 'expert-review',
      panel: ['expert-1', 'expert-2', 'expert-3'],
    });
  });

  it('selects one operator per domain announcement, race-free; a rejection while signing frees the selection', async () => {
    const an = await publishedAnnouncement({
      mode: 'domain',
      domain: 'transport',
      grantingProvider: { org: as.transport.org, name: '十堰市交通运输局' },
      scope: [transportEntry, transportEntry2],
    });
    const [d, e] = [operatorNamed('D'), operatorNamed('E')];
    const ids: Record<string, string> = {};
    for (const [name, who] of [
      ['a', as.operatorA],
      ['b', as.operatorB],
      ['d', d],
      ['e', e],
    ] as const) {
      const res = await apply(an, who);
      expect(res.status).toBe(201);
      ids[name] = String(res.body.id);
    }
    const [a, b, dId, eId] = [ids.a, ids.b, ids.d, ids.e].map(String) as [string, string, string, string];
    await throughExperts(a, 85, as.transport);
    await throughExperts(b, 85, as.transport);
    const [taskA, taskB] = [
      await pendingTask(as.government, a, 'government-approval'),
      await pendingTask(as.government, b, 'government-approval'),
    ];

    // Act 1: the government approves both at once; only one may be selected (Art. 5).
    await Promise.all([
      p.post(`/tasks/${taskA.id}/decision`, as.government, { decision: 'approve' }),
      p.post(`/tasks/${taskB.id}/decision`, as.government, { decision: 'approve' }),
    ]);
    await p.rt.settle();
    const both = [(await application(a)).body, (await application(b)).body];
    const winner = both.find((x) => x.status === 'signing') ?? {};
    const loser = both.find((x) => x.status === 'rejected') ?? {};
    // Act 2: another application passing its experts now is not even submitted to the government.
    await throughExperts(dId, 85, as.transport);
    const blocked = await application(dId);
    const governmentTasks = await p.get<{ items: Task[] }>(
      `/tasks?subjectId=${dId}&kind=government-approval`,
      as.government,
    );
    // Act 3 (Art. 10.4): the winner's agreement is terminated while being signed.
    const winnerGrant = String(winner.grantId);
    const terminated = await p.post(`/grants/${winnerGrant}/terminate`, as.transport, {
      reason: '未按期签署',
    });
    await p.rt.settle();
    const ended = await application(String(winner.id));
    // Act 4: the selection is free again: a later application can be selected.
    await throughExperts(eId, 85, as.transport);
    const freed = await approveByGovernment(eId);

    expect(winner).toMatchObject({ status: 'signing', grantId: expect.stringMatching(/^gr_/) });
    expect(loser).toMatchObject({ rejection: { step: 'government-approval' } });
    expect(String((loser.rejection as Body).reason)).toContain('Art. 5');
    expect(blocked.body).toMatchObject({
      status: 'rejected',
      result: { passed: true },
      rejection: { step: 'expert-review' },
    });
    expect(String((blocked.body.rejection as Body).reason)).toContain('第五条');
    expect(governmentTasks.body.items).toHaveLength(0);
    expect(terminated.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'rejected', rejection: { step: 'signing' } });
    expect(ended.body.grantId).toBe(winnerGrant);
    expect(String((ended.body.rejection as Body).reason)).toContain('terminated');
    expect(String((ended.body.rejection as Body).reason)).toContain('未按期签署');
    expect(freed.body).toMatchObject({ status: 'signing' });
    for (const id of [a, b, dId]) {
      expect(p.rt.workflows.executions().find((x) => x.name === id)?.status).toBe('SUCCEEDED');
    }
  });

  it('lets a comprehensive announcement select several operators (Art. 5: one or more)', async () => {
    const an = await publishedAnnouncement();
    const a = String((await apply(an, as.operatorA)).body.id);
    const b = String((await apply(an, as.operatorB)).body.id);
    await throughExperts(a, 80);
    await throughExperts(b, 80);

    const first = await approveByGovernment(a);
    const second = await approveByGovernment(b);

    expect(first.body).toMatchObject({ status: 'signing' });
    expect(second.body).toMatchObject({ status: 'signing' });
  });
});

describe('wrong roles and organisations (403)', () => {
  it('refuses what other parties may not do', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorA)).body.id);
    const qual = await pendingTask(as.authority, id, 'qualification-review');

    const results = {
      operatorDrafts: await p.post('/announcements', as.operatorA, announcement()),
      providerDrafts: await p.post('/announcements', as.transport, announcement()),
      authorityApplies: await p.post('/applications', as.authority, {
        announcementId: an,
        ...applicationBody(as.operatorA),
      }),
      otherOrgsCode: await p.post('/applications', as.operatorB, {
        announcementId: an,
        ...applicationBody(as.operatorA),
      }),
      operatorDecides: await p.post(`/tasks/${qual.id}/decision`, as.operatorA, { decision: 'approve' }),
      // Not the assignee: 403 before the body is looked at (a 400 would describe the decision).
      operatorDecidesMalformed: await p.post(`/tasks/${qual.id}/decision`, as.operatorA, {}),
      expertDecides: await p.post(`/tasks/${qual.id}/decision`, as.expert(1), { decision: 'approve' }),
      otherOperatorReads: await p.get(`/applications/${id}`, as.operatorB),
      otherOperatorWithdraws: await p.post(`/applications/${id}/withdraw`, as.operatorB, {}),
      operatorReadsTask: await p.get(`/tasks/${qual.id}`, as.operatorA),
      operatorCreditList: await p.get('/credit-list', as.operatorA),
      regulatorAddsCredit: await p.post('/credit-list', as.regulator, {}),
      operatorAllTasks: await p.get('/tasks?all=true', as.operatorA),
    };
    await decide(as.authority, qual, { decision: 'approve' });
    const panel = await pendingTask(as.authority, id, 'expert-panel');
    await decide(as.authority, panel, { experts: ['expert-1', 'expert-2', 'expert-3'] });
    const expertTask = await pendingTask(as.expert(1), id, 'expert-score');
    const otherExpert = await p.post(`/tasks/${expertTask.id}/decision`, as.expert(4), {
      scores: fullScores(80),
      comment: 'x',
    });
    const otherExpertMalformed = await p.post(`/tasks/${expertTask.id}/decision`, as.expert(4), {
      scores: { capability: 80 },
    });
    const otherExpertList = await p.get<{ items: Task[] }>(`/tasks?subjectId=${id}`, as.expert(4));
    const regulatorReads = await p.get(`/applications/${id}`, as.regulator);
    const regulatorCredit = await p.get('/credit-list', as.regulator);

    for (const [name, res] of Object.entries(results)) expect([name, res.status]).toEqual([name, 403]);
    expect(otherExpert.status).toBe(403);
    expect(otherExpertMalformed.status).toBe(403);
    expect(JSON.stringify(otherExpertMalformed.body)).not.toContain('security');
    expect(otherExpertList.body.items).toHaveLength(0);
    expect(regulatorReads.status).toBe(200);
    expect(regulatorCredit.status).toBe(200);
  });

  it('validates decisions against the task kind and the announcement’s criteria (400)', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorA)).body.id);
    const qual = await pendingTask(as.authority, id, 'qualification-review');
    const noReason = await p.post(`/tasks/${qual.id}/decision`, as.authority, { decision: 'reject' });
    await decide(as.authority, qual, { decision: 'approve' });
    const panel = await pendingTask(as.authority, id, 'expert-panel');
    const tooSmall = await p.post(`/tasks/${panel.id}/decision`, as.authority, {
      experts: ['expert-1', 'expert-2'],
    });
    await decide(as.authority, panel, { experts: ['expert-1', 'expert-2', 'expert-3'] });
    const t = await pendingTask(as.expert(2), id, 'expert-score');
    const missing = await p.post(`/tasks/${t.id}/decision`, as.expert(2), {
      scores: { capability: 80 },
      comment: '意见',
    });
    const tooHigh = await p.post(`/tasks/${t.id}/decision`, as.expert(2), {
      scores: fullScores(101),
      comment: '意见',
    });

    expect(noReason.status).toBe(400);
    expect(tooSmall.status).toBe(400);
    expect(missing.status).toBe(400);
    expect((missing.body.error as { details: { path: string }[] }).details.map((d) => d.path)).toContain(
      'body.scores.security',
    );
    expect(tooHigh.status).toBe(400);
    expect(t.context).toMatchObject({ criteria: expect.any(Array) });
  });
});

describe('the application window, duplicates and declarations', () => {
  it('refuses applications outside the window with a clear 409', async () => {
    const an = await publishedAnnouncement({
      window: { opensAt: addDays(now(), 5).toISOString(), closesAt: addDays(now(), 10).toISOString() },
    });

    const early = await p.post('/applications', as.operatorA, {
      announcementId: an,
      ...applicationBody(as.operatorA),
    });
    p.rt.clock.set(addDays(now(), 11));
    const late = await p.post('/applications', as.operatorA, {
      announcementId: an,
      ...applicationBody(as.operatorA),
    });
    p.rt.clock.reset();

    expect(early.status).toBe(409);
    expect(early.body.error).toMatchObject({ code: 'window_not_open' });
    expect(String((early.body.error as Body).message)).toContain('opens at');
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'window_closed' });
  });

  it('answers 409 to a duplicate active application, even when concurrent', async () => {
    const an = await publishedAnnouncement();
    const body = { announcementId: an, ...applicationBody(as.operatorB) };

    const [x, y] = await Promise.all([
      p.post('/applications', as.operatorB, body),
      p.post('/applications', as.operatorB, body),
    ]);
    const again = await p.post('/applications', as.operatorB, body);
    await p.rt.settle();

    expect([x.status, y.status].sort()).toEqual([201, 409]);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'duplicate_application' });
    const mine = await p.get<{ items: { announcementId: string }[] }>(
      `/applications?announcementId=${an}`,
      as.operatorB,
    );
    expect(mine.body.items).toHaveLength(1);
  });

  it('validates the credit code and the Art. 9 declarations (400)', async () => {
    const an = await publishedAnnouncement();

    const badCode = await p.post('/applications', as.operatorA, {
      announcementId: an,
      ...applicationBody(as.operatorA, { creditCode: `${as.operatorA.org.slice(0, 17)}0` }),
    });
    const undeclared = await p.post('/applications', as.operatorA, {
      announcementId: an,
      ...applicationBody(as.operatorA, { declarations: { soundBusinessAndFinances: false } }),
    });

    expect(badCode.status).toBe(400);
    expect(undeclared.status).toBe(400);
    const paths = (undeclared.body.error as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'body.declarations.soundBusinessAndFinances',
        'body.declarations.truthfulMaterials',
      ]),
    );
  });
});

describe('announcements', () => {
  it('edits drafts only, hides drafts from the public, and withdraws only before the window opens', async () => {
    const created = await p.post('/announcements', as.authority, announcement());
    const id = String(created.body.id);
    const draftPublic = await p.get(`/announcements/${id}`);
    const edited = await p.patch(`/announcements/${id}`, as.authority, { title: '修订后的公告', version: 1 });
    const stale = await p.patch(`/announcements/${id}`, as.authority, { title: 'x', version: 1 });
    const oneDeadline = await p.patch(`/announcements/${id}`, as.authority, {
      deadlines: { qualificationReview: 20 },
    });
    const anotherDeadline = await p.patch(`/announcements/${id}`, as.authority, {
      deadlines: { expertScore: 12 },
      conditions: { text: '修订后的申报条件' },
    });
    await p.post(`/announcements/${id}/publish`, as.authority, {});
    const editPublished = await p.patch(`/announcements/${id}`, as.authority, { title: 'y' });
    const lateWithdraw = await p.post(`/announcements/${id}/withdraw`, as.authority, { reason: '调整' });

    const future = await p.post('/announcements', as.authority, {
      ...announcement({
        window: { opensAt: addDays(now(), 3).toISOString(), closesAt: addDays(now(), 9).toISOString() },
      }),
    });
    await p.post(`/announcements/${future.body.id}/publish`, as.authority, {});
    const withdrawn = await p.post(`/announcements/${future.body.id}/withdraw`, as.authority, {
      reason: '范围调整',
    });
    const publicView = await p.get(`/announcements/${future.body.id}`);

    expect(created.body).toMatchObject({
      status: 'draft',
      passMark: 60,
      panelSize: 3,
      deadlines: { qualificationReview: 10 },
    });
    expect(draftPublic.status).toBe(404);
    expect(edited.body).toMatchObject({ title: '修订后的公告', version: 2 });
    expect(stale.status).toBe(409);
    expect(oneDeadline.status).toBe(200);
    // A partial PATCH keeps what it does not name (no defaults on update).
    expect(anotherDeadline.body).toMatchObject({
      deadlines: { qualificationReview: 20, expertPanel: 5, expertScore: 12, governmentApproval: 15 },
      conditions: {
        text: '修订后的申报条件',
        requiredDocuments: [{ code: 'licence', name: '营业执照', mandatory: true }],
      },
    });
    expect(editPublished.status).toBe(409);
    expect(lateWithdraw.status).toBe(409);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn', withdrawn: true });
    expect(publicView.body).toMatchObject({ withdrawn: true, withdrawal: { reason: '范围调整' } });
  });

  it('refuses to publish a scope with an unapproved or non-authorizable entry, or a past window', async () => {
    const draftEntry = String((await p.post('/catalog', as.transport, { ...(await catalogBody()) })).body.id);
    const restricted = await approvedEntry(p, as.police, {
      title: '安保数据',
      restrictions: { stateSecret: false, publicSafety: true, closedByLaw: false },
    });
    const unapproved = await p.post(
      '/announcements',
      as.authority,
      announcement({ scope: [transportEntry, draftEntry] }),
    );
    const closed = await p.post('/announcements', as.authority, announcement({ scope: [restricted] }));
    const past = await p.post('/announcements', as.authority, {
      ...announcement({
        window: { opensAt: addDays(now(), -10).toISOString(), closesAt: addDays(now(), -1).toISOString() },
      }),
    });

    const r1 = await p.post(`/announcements/${unapproved.body.id}/publish`, as.authority, {});
    const r2 = await p.post(`/announcements/${closed.body.id}/publish`, as.authority, {});
    const r3 = await p.post(`/announcements/${past.body.id}/publish`, as.authority, {});
    const badWindow = await p.post('/announcements', as.authority, {
      ...announcement({
        window: { opensAt: addDays(now(), 5).toISOString(), closesAt: addDays(now(), 1).toISOString() },
      }),
    });

    expect(r1.status).toBe(409);
    expect(r1.body.error).toMatchObject({ details: { entryId: draftEntry } });
    expect(String((r1.body.error as Body).message)).toContain(draftEntry);
    expect(r2.status).toBe(409);
    expect(r2.body.error).toMatchObject({ details: { entryId: restricted } });
    expect(r3.status).toBe(409);
    expect(r3.body.error).toMatchObject({ code: 'invalid_window' });
    expect(badWindow.status).toBe(400);
  });
});

const catalogBody = async () => ({
  title: '草稿条目',
  description: '未审核',
  domain: 'transport',
  dataItems: [{ name: '字段', type: 'string', personalInformation: false, description: '' }],
  updateFrequency: 'daily',
  format: 'csv',
  classification: 'general',
  openness: 'conditional',
});

describe('decisions, withdrawal and deadlines', () => {
  it('lets exactly one of two concurrent decisions win', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorA)).body.id);
    const qual = await pendingTask(as.authority, id, 'qualification-review');
    const colleague = { ...as.authority, sub: 'authority-2' };

    const results = await Promise.all([
      p.post(`/tasks/${qual.id}/decision`, as.authority, { decision: 'approve' }),
      p.post(`/tasks/${qual.id}/decision`, colleague, { decision: 'reject', reason: '并发' }),
    ]);
    await p.rt.settle();
    const again = await p.post(`/tasks/${qual.id}/decision`, as.authority, { decision: 'approve' });

    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: 'already_decided' });
    const decisions = (await application(id)).body.history as { step: string; action: string }[];
    expect(decisions.filter((h) => h.step === 'qualification-review' && h.action === 'decided')).toHaveLength(
      1,
    );
  });

  it('withdraws an application: pending tasks are cancelled and the workflow ends', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorA)).body.id);
    const qual = await pendingTask(as.authority, id, 'qualification-review');

    const withdrawn = await p.post(`/applications/${id}/withdraw`, as.operatorA, { reason: '战略调整' });
    await p.rt.settle();
    const late = await p.post(`/tasks/${qual.id}/decision`, as.authority, { decision: 'approve' });
    const twice = await p.post(`/applications/${id}/withdraw`, as.operatorA, {});
    const reapply = await apply(an, as.operatorA);

    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body).toMatchObject({ status: 'withdrawn' });
    expect((await p.get(`/tasks/${qual.id}`, as.authority)).body).toMatchObject({ status: 'cancelled' });
    expect(late.status).toBe(409);
    expect(twice.status).toBe(409);
    const execution = p.rt.workflows.executions().find((e) => e.name === id);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(
      p.rt.bus.events({ detailType: 'ApplicationWithdrawn' }).some((e) => e.detail.applicationId === id),
    ).toBe(true);
    // A withdrawn application no longer blocks a new one.
    expect(reapply.status).toBe(201);
  });

  it('refuses withdrawal after the government’s decision', async () => {
    const an = await publishedAnnouncement();
    const id = String((await apply(an, as.operatorB)).body.id);
    await throughExperts(id, 80);
    await decide(as.government, await pendingTask(as.government, id, 'government-approval'), {
      decision: 'approve',
    });

    const res = await p.post(`/applications/${id}/withdraw`, as.operatorB, {});

    expect(res.status).toBe(409);
  });

  it('flags an overdue step and raises the escalation; the task stays decidable', async () => {
    const an = await publishedAnnouncement({ deadlines: { qualificationReview: 2 } });
    const id = String((await apply(an, as.operatorA)).body.id);
    const qual = await pendingTask(as.authority, id, 'qualification-review');

    const early = await p.rt.scheduler.fire('review-task-deadlines');
    p.rt.clock.set(addDays(now(), 3));
    const swept = await p.rt.scheduler.fire('review-task-deadlines');
    const again = await p.rt.scheduler.fire('review-task-deadlines');
    await p.rt.settle();
    const overdue = await p.get<{ items: Task[] }>('/tasks?overdue=true&status=pending', as.authority);
    const supervision = await p.get<{ items: Task[] }>('/tasks?all=true&overdue=true', as.authority);
    const appView = await application(id, as.operatorA);
    const decided = await decide(as.authority, qual, { decision: 'approve' });
    p.rt.clock.reset();

    expect(early).toMatchObject({ flagged: 0 });
    expect(swept).toMatchObject({ flagged: expect.any(Number) });
    expect((swept as { flagged: number }).flagged).toBeGreaterThanOrEqual(1);
    expect(again).toMatchObject({ flagged: 0 });
    const flagged = overdue.body.items.find((t) => t.id === qual.id);
    expect(flagged).toMatchObject({ overdue: true, escalatedAt: expect.any(String) });
    expect(supervision.body.items.map((t) => t.id)).toContain(qual.id);
    expect(appView.body).toMatchObject({ deadline: { overdue: true } });
    const escalations = p.rt.bus
      .events({ detailType: 'ReviewTaskOverdue' })
      .filter((e) => e.detail.taskId === qual.id);
    expect(escalations).toHaveLength(1);
    expect(decided.status).toBe(200);
  });
});

describe('credit list', () => {
  it('imports in chunks, replaces on re-import, and looks up by credit code', async () => {
    const entries = Array.from({ length: 90 }, (_, i) => ({
      subjectType: 'legal-representative',
      name: `批量${i}`,
      list: 'serious-violation',
      source: '市场监管部门严重违法失信名单',
      listedAt: '2024-01-01T00:00:00Z',
    }));

    const first = await p.post('/credit-list/import', as.authority, { entries });
    const second = await p.post('/credit-list/import', as.authority, { entries });
    const byName = await p.get<{ items: { name: string }[] }>(
      `/credit-list?name=${encodeURIComponent('批量7')}`,
      as.regulator,
    );
    const tooMany = await p.post('/credit-list/import', as.authority, {
      entries: Array.from({ length: 501 }, () => entries[0]),
    });
    const byCode = await p.get<{ items: { creditCode: string; inForce: boolean }[] }>(
      `/credit-list?creditCode=${as.operatorC.org}`,
      as.authority,
    );

    expect(first.body).toMatchObject({ imported: 90, created: 90, replaced: 0, chunks: 3 });
    expect(second.body).toMatchObject({ imported: 90, created: 0, replaced: 90 });
    expect(byName.body.items).toHaveLength(1);
    expect(tooMany.status).toBe(400);
    expect(byCode.body.items[0]).toMatchObject({ creditCode: as.operatorC.org, inForce: true });
  });

  it('stops matching an entry once it is removed from the list', async () => {
    const created = await p.post('/credit-list', as.authority, {
      subjectType: 'organisation',
      creditCode: DEMO_ORGS.operatorB.code,
      list: 'serious-violation',
      source: '测试',
      listedAt: addDays(now(), -5).toISOString(),
    });
    const removed = await p.patch(`/credit-list/${created.body.id}`, as.authority, {
      removedAt: addDays(now(), -1).toISOString(),
      version: 1,
    });
    const an = await publishedAnnouncement();

    const res = await apply(an, as.operatorB);

    expect(removed.body).toMatchObject({ inForce: false, version: 2 });
    expect(res.body).toMatchObject({ status: 'under-review' });
  });
});
