import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../functions/shared/clock.js';
import { withCheckChar } from '../../functions/shared/credit-code.js';
import {
  approvedEntry,
  as,
  auditOf,
  type Caller,
  catalogEntryBody,
  type Platform,
  startPlatform,
} from '../support/platform.js';
import { announcementBody, applicationBody } from '../support/selection.js';

/**
 * Issue 7: conflicts of interest (kind 2), eligibility at every moment (kind 4), personal information
 * (kind 5) and the authority's submission to the government (kind 7), each example a test.
 */

let p: Platform;
let entries: string[];
beforeAll(async () => {
  p = await startPlatform();
  entries = [await approvedEntry(p, as.transport), await approvedEntry(p, as.hrss)];
});
afterAll(() => p?.stop());

type Body = Record<string, unknown>;
type Task = { id: string; kind: string; context: Body };
const now = () => p.rt.clock.now();

const operator = (letter: string): Caller => ({
  role: 'operator',
  org: withCheckChar(`91420300MA4A0001${letter}`),
  sub: `op-${letter}-1`,
});

const announcement = async (): Promise<string> => {
  const created = await p.post('/announcements', as.authority, announcementBody(entries, now()));
  const id = String(created.body.id);
  await p.post(`/announcements/${id}/publish`, as.authority, {});
  return id;
};

const apply = async (an: string, op: Caller, overrides: Body = {}) => {
  const res = await p.post('/applications', op, { announcementId: an, ...applicationBody(op, overrides) });
  await p.rt.settle();
  return res;
};

const pending = async (who: Caller, subjectId: string, kind: string): Promise<Task> => {
  const res = await p.get<{ items: Task[] }>(
    `/tasks?status=pending&subjectId=${subjectId}&kind=${kind}`,
    who,
  );
  const t = res.body.items?.[0];
  if (!t) throw new Error(`no pending ${kind}: ${JSON.stringify(res.body)}`);
  return t;
};

const decide = async (who: Caller, t: Task, body: Body) => {
  const res = await p.post(`/tasks/${t.id}/decision`, who, body);
  await p.rt.settle();
  return res;
};

const scores = { capability: 85, scenarios: 85, security: 85, compliance: 85 };

/** Qualification approved and a panel of pool experts 1-3 assigned. */
const toScoring = async (id: string) => {
  await decide(as.authority, await pending(as.authority, id, 'qualification-review'), {
    decision: 'approve',
  });
  await decide(as.authority, await pending(as.authority, id, 'expert-panel'), {
    experts: ['expert-1', 'expert-2', 'expert-3'],
  });
};

const scoreAll = async (id: string) => {
  for (const n of [1, 2, 3]) {
    const res = await decide(as.expert(n), await pending(as.expert(n), id, 'expert-score'), {
      scores,
      comment: '可行',
    });
    expect(res.status).toBe(200);
  }
};

describe('third-party experts (Art. 10.3)', () => {
  it('draws the panel from the pool only: an unknown user id is 400', async () => {
    const id = String((await apply(await announcement(), operator('A'))).body.id);
    await decide(as.authority, await pending(as.authority, id, 'qualification-review'), {
      decision: 'approve',
    });
    const res = await decide(as.authority, await pending(as.authority, id, 'expert-panel'), {
      experts: ['expert-1', 'expert-2', 'somebody'],
    });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('body.experts.2');
  });

  it('refuses (403, audited) a panel with an expert from the applicant’s organisation', async () => {
    const op = operator('B');
    await p.post('/experts', as.authority, {
      userId: 'insider-b',
      name: '内部专家',
      org: op.org,
      fields: ['transport'],
    });
    const id = String((await apply(await announcement(), op)).body.id);
    await decide(as.authority, await pending(as.authority, id, 'qualification-review'), {
      decision: 'approve',
    });
    const panel = await pending(as.authority, id, 'expert-panel');
    const res = await decide(as.authority, panel, { experts: ['expert-1', 'expert-2', 'insider-b'] });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'conflict_of_interest' } });
    const audit = await auditOf(p, `review-task/${panel.id}`);
    expect(audit.map((a) => a.action)).toContain('task.decide.refused');
    expect(audit.find((a) => a.action === 'task.decide.refused')?.actor).toMatchObject({
      userId: as.authority.sub,
    });
  });

  it('refuses the score of an expert who has since joined the applicant (403)', async () => {
    const op = operator('C');
    const id = String((await apply(await announcement(), op)).body.id);
    await toScoring(id);
    const expert = await p.get<{ version: number }>('/experts/expert-3', as.authority);
    await p.patch('/experts/expert-3', as.authority, { org: op.org, version: expert.body.version });
    const res = await decide(as.expert(3), await pending(as.expert(3), id, 'expert-score'), {
      scores,
      comment: '好',
    });
    expect(res.status).toBe(403);
    const back = await p.get<{ version: number }>('/experts/expert-3', as.authority);
    await p.patch('/experts/expert-3', as.authority, {
      org: withCheckChar('12420000MB0B00003'),
      version: back.body.version,
    });
  });
});

describe('nobody decides on their own record', () => {
  it('four eyes on the authority’s own catalog entry: its author may not approve it (403, audited)', async () => {
    const author = { role: ['provider', 'authority'], org: as.authority.org, sub: 'bureau-clerk' } as const;
    const created = await p.post('/catalog', author, catalogEntryBody({ title: '电子证照目录' }));
    expect(created.status).toBe(201);
    const id = String(created.body.id);
    expect((await p.post(`/catalog/${id}/submit`, author, {})).status).toBe(200);
    const self = await p.post(`/catalog/${id}/review`, author, { decision: 'approve' });
    expect(self.status).toBe(403);
    expect((await auditOf(p, `catalog-entry/${id}`)).map((a) => a.action)).toContain(
      'catalog.review.refused',
    );
    expect((await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' })).status).toBe(200);
  });
});

describe('eligibility when it takes effect (Art. 9)', () => {
  it('rejects an application whose business licence is revoked or cancelled (吊销/注销)', async () => {
    const an = await announcement();
    for (const [letter, status, zh] of [
      ['D', 'revoked', '吊销'],
      ['E', 'cancelled', '注销'],
    ] as const) {
      const res = await apply(an, operator(letter), { businessStatus: status });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'rejected', rejection: { step: 'screening' } });
      expect(String((res.body.rejection as Body).reason)).toContain(zh);
    }
  });

  it('matches names equal under NFKC: a CJK compatibility ideograph and full-width letters', async () => {
    await p.post('/credit-list', as.authority, {
      subjectType: 'legal-representative',
      name: '\uF900明ＡＢ', // 豈 (U+F900, compatibility) and full-width A, B
      list: 'serious-violation',
      source: '信用中国',
      listedAt: addDays(now(), -10).toISOString(),
    });
    const res = await apply(await announcement(), operator('F'), {
      legalRepresentative: { name: '\u8C48明AB', idNumber: '42030019800101155X' },
    });
    expect(res.body).toMatchObject({ status: 'rejected', rejection: { step: 'screening' } });
    const byName = await p.get<{ items: unknown[] }>(
      `/credit-list?name=${encodeURIComponent('豈明AB')}`,
      as.authority,
    );
    expect(byName.body.items).toHaveLength(1);
  });

  it('screens again when the government approves: a listing since submission rejects', async () => {
    const op = operator('G');
    const id = String((await apply(await announcement(), op)).body.id);
    await toScoring(id);
    await scoreAll(id);
    await decide(as.authority, await pending(as.authority, id, 'result-submission'), { decision: 'approve' });
    await p.post('/credit-list', as.authority, {
      subjectType: 'organisation',
      creditCode: op.org,
      list: 'major-tax-violation',
      source: '税务总局',
      listedAt: addDays(now(), -1).toISOString(),
    });
    await decide(as.government, await pending(as.government, id, 'government-approval'), {
      decision: 'approve',
    });
    const app = await p.get<Body>(`/applications/${id}`, as.authority);
    expect(app.body).toMatchObject({ status: 'rejected', rejection: { step: 'government-approval' } });
    expect(String((app.body.rejection as Body).reason)).toContain('重大税收违法');
  });

  it('screens again when the agreement would take effect: the second signature is refused (409)', async () => {
    const op = operator('H');
    const id = String((await apply(await announcement(), op)).body.id);
    await toScoring(id);
    await scoreAll(id);
    await decide(as.authority, await pending(as.authority, id, 'result-submission'), { decision: 'approve' });
    await decide(as.government, await pending(as.government, id, 'government-approval'), {
      decision: 'approve',
    });
    const grantId = String((await p.get(`/applications/${id}`, op)).body.grantId);
    expect((await p.post(`/grants/${grantId}/sign`, as.authority, {})).status).toBe(200);
    await p.post('/credit-list', as.authority, {
      subjectType: 'organisation',
      creditCode: op.org,
      list: 'dishonest-judgment-debtor',
      source: '最高人民法院',
      listedAt: addDays(now(), -1).toISOString(),
    });
    const signed = await p.post(`/grants/${grantId}/sign`, op, {});
    expect(signed.status).toBe(409);
    expect(signed.body).toMatchObject({ error: { code: 'operator_listed' } });
    expect((await p.get<Body>(`/grants/${grantId}`, op)).body.status).toBe('signing');
  });
});

describe('personal information (PIPL)', () => {
  it('never returns a hash of the legal representative’s identity number; lookups still work', async () => {
    const op = operator('J');
    const idNumber = '42030019800101177X';
    const id = String(
      (await apply(await announcement(), op, { legalRepresentative: { name: '张三', idNumber } })).body.id,
    );
    for (const who of [as.authority, op, as.regulator]) {
      const text = JSON.stringify((await p.get(`/applications/${id}`, who)).body);
      expect(text).not.toMatch(/[0-9a-f]{64}/);
      expect(text).not.toMatch(/idNumberHash|idNumberKey|hmac:/);
    }
    const regulatorView = await p.get<{ applicant: { legalRepresentative: Body } }>(
      `/applications/${id}`,
      as.regulator,
    );
    expect(regulatorView.body.applicant.legalRepresentative).toEqual({ name: '张三' });
    const listed = await p.post('/credit-list', as.authority, {
      subjectType: 'legal-representative',
      idNumber,
      list: 'serious-violation',
      source: '信用中国',
      listedAt: addDays(now(), -1).toISOString(),
    });
    expect(JSON.stringify(listed.body)).not.toMatch(/[0-9a-f]{64}|hmac:|personKey/);
    const found = await p.get<{ items: unknown[] }>(`/credit-list?idNumber=${idNumber}`, as.authority);
    expect(found.body.items).toHaveLength(1);
  });
});

describe('the authority submits the review results to the government (Art. 10.3)', () => {
  it('opens no government task before the authority submits; one submission carries several applications', async () => {
    const an = await announcement();
    const ids: string[] = [];
    for (const letter of ['K', 'L']) {
      const id = String((await apply(an, operator(letter))).body.id);
      await toScoring(id);
      await scoreAll(id);
      ids.push(id);
    }
    const gov = await p.get<{ items: Task[] }>(
      `/tasks?status=pending&kind=government-approval`,
      as.government,
    );
    expect(gov.body.items.filter((t) => ids.includes(String(t.context.applicationId)))).toHaveLength(0);
    const tasks = await Promise.all(ids.map((id) => pending(as.authority, id, 'result-submission')));
    const res = await p.post('/tasks/decisions', as.authority, {
      taskIds: tasks.map((t) => t.id),
      decision: { decision: 'approve', comment: '报请审定' },
    });
    await p.rt.settle();
    expect(res.status).toBe(200);
    for (const id of ids) expect((await pending(as.government, id, 'government-approval')).id).toBeTruthy();
  });

  it('one submission never mixes announcements (400)', async () => {
    const ids: string[] = [];
    for (const letter of ['M', 'N']) {
      const id = String((await apply(await announcement(), operator(letter))).body.id);
      await toScoring(id);
      await scoreAll(id);
      ids.push(id);
    }
    const tasks = await Promise.all(ids.map((id) => pending(as.authority, id, 'result-submission')));
    const res = await p.post('/tasks/decisions', as.authority, {
      taskIds: tasks.map((t) => t.id),
      decision: { decision: 'approve' },
    });
    expect(res.status).toBe(400);
  });
});
