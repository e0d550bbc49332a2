import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seqKey } from '../../functions/shared/audit-chain.js';
import { systemActor, Transaction } from '../../functions/shared/store.js';
import { DEMO_REGISTRY } from '../../infra/local/orgs.js';
import {
  approvedEntry,
  as,
  auditOf,
  type Caller,
  catalogEntryBody,
  type Platform,
  startPlatform,
} from '../support/platform.js';

/** The audit trail for supervision (Art. 15, 18): queries, limits, export, hash chain verification. */
let p: Platform;
let transportEntry: string;
let policeEntry: string;
let draftId: string;
const T0 = '2027-03-01T09:00:00.000Z';
const T1 = '2027-03-05T09:00:00.000Z';

beforeAll(async () => {
  p = await startPlatform();
  p.rt.clock.set(T0);
  transportEntry = await approvedEntry(p, as.transport);
  p.rt.clock.set(T1);
  policeEntry = await approvedEntry(p, as.police, { title: '户籍人口统计', domain: 'statistics' });
  const draft = await p.post(
    '/catalog',
    { ...as.transport, sub: 'transport-2' },
    catalogEntryBody({ title: '出租车轨迹' }),
  );
  draftId = String(draft.body.id);
  p.rt.clock.reset();
});
afterAll(() => p.stop());
afterEach(() => p.rt.clock.reset());

type View = { resource: string; seq: number; action: string; at: string; actor: Record<string, unknown> };
const list = (q: string, c: Caller) =>
  p.get<{ items: View[]; nextCursor: string | null }>(`/audit/events?${q}`, c);
const window = `from=2027-02-28T00:00:00Z&to=2027-03-31T00:00:00Z`;

describe('audit queries (Art. 15, 18)', () => {
  it('lets a regulator read every organisation, filtered by each field', async () => {
    const all = await list(`${window}&limit=200`, as.regulator);
    const byOrg = await list(`${window}&org=${as.police.org}`, as.regulator);
    const byUser = await list(`${window}&user=transport-2`, as.regulator);
    const byRole = await list(`${window}&role=authority`, as.regulator);
    const byAction = await list(`${window}&action=catalog.approve`, as.regulator);
    const byResource = await list(`${window}&resource=catalog-entry/${transportEntry}`, as.regulator);
    const early = await list(`from=2027-02-28T00:00:00Z&to=2027-03-02T00:00:00Z`, as.regulator);

    expect(all.status).toBe(200);
    const orgs = new Set(all.body.items.map((e) => e.actor.org));
    expect(orgs).toEqual(new Set([as.transport.org, as.police.org, as.authority.org]));
    expect(all.body.items).toHaveLength(7); // 3 + 3 catalog steps, 1 draft
    expect(byOrg.body.items.map((e) => e.action)).toEqual(['catalog.create', 'catalog.submit']);
    expect(byUser.body.items).toEqual([
      expect.objectContaining({ resource: `catalog-entry/${draftId}`, action: 'catalog.create' }),
    ]);
    expect(byRole.body.items.map((e) => e.resource)).toEqual([
      `catalog-entry/${transportEntry}`,
      `catalog-entry/${policeEntry}`,
    ]);
    expect(byAction.body.items.every((e) => e.action === 'catalog.approve')).toBe(true);
    expect(byAction.body.items).toHaveLength(2);
    expect(byResource.body.items.map((e) => [e.seq, e.action])).toEqual([
      [1, 'catalog.create'],
      [2, 'catalog.submit'],
      [3, 'catalog.approve'],
    ]);
    expect(early.body.items.every((e) => e.at < '2027-03-02')).toBe(true);
    expect(early.body.items).toHaveLength(3);
    // Each event names who acted: user, organisation, role, and its 主要负责人 from the registry (Art. 18).
    const registered = DEMO_REGISTRY.find((o) => o.code === as.authority.org);
    expect(registered?.principal.name).toBeTruthy();
    expect(byResource.body.items[2]?.actor).toEqual({
      userId: as.authority.sub,
      role: 'authority',
      org: as.authority.org,
      organisationName: registered?.name,
      principalPerson: registered?.principal.name,
    });
  });

  it('limits every other organisation to its own actions', async () => {
    const mine = await list(window, as.police);
    const other = await list(`${window}&org=${as.transport.org}`, as.police);
    const operator = await list(window, as.operatorA);
    const consumer = await list(window, { role: 'consumer', org: as.operatorA.org, sub: 'c-1' });

    expect(mine.status).toBe(200);
    expect(mine.body.items.length).toBe(2);
    expect(mine.body.items.every((e) => e.actor.org === as.police.org)).toBe(true);
    expect(other.status).toBe(403);
    expect(operator.body.items).toEqual([]);
    expect(consumer.status).toBe(403);
  });

  it('pages through results with cursors, across days, and refuses forged cursors', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof list>> = await list(
        `${window}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        as.authority,
      );
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((e) => `${e.resource}#${e.seq}`));
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);
    const all = await list(`${window}&limit=200`, as.authority);

    expect(seen).toEqual(all.body.items.map((e) => `${e.resource}#${e.seq}`));
    expect(pages).toBe(4);
    expect((await list(`${window}&cursor=bm9wZQ`, as.authority)).status).toBe(400);
    expect((await list('from=2027-03-05T00:00:00Z&to=2027-03-01T00:00:00Z', as.authority)).status).toBe(400);
    expect((await list('org=123', as.authority)).status).toBe(400);
    expect((await list('from=2020-01-01T00:00:00Z&to=2027-01-01T00:00:00Z', as.authority)).status).toBe(400);
  });

  it('exports CSV and JSON Lines for an inspection', async () => {
    const token = await p.rt.token('regulator', as.regulator.org, 'reg-1');
    const get = (format: string) =>
      fetch(`${p.url}/audit/export?${window}&format=${format}`, {
        headers: { authorization: `Bearer ${token}` },
      });
    const csv = await get('csv');
    const jsonl = await get('jsonl');

    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = (await csv.text()).trimEnd().split('\r\n');
    expect(rows[0]).toBe(
      'at,resource,seq,action,userId,role,org,principalPerson,requestId,before,after,prevHash,hash',
    );
    expect(rows).toHaveLength(8);
    expect(jsonl.headers.get('content-type')).toMatch(/ndjson/);
    const lines = (await jsonl.text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as View);
    expect(lines.map((l) => l.action)).toHaveLength(7);
    expect(jsonl.headers.get('x-event-count')).toBe('7');
  });
});

describe('tamper evidence', () => {
  const verify = (resource: string, c: Caller = as.regulator) =>
    p.get<{ ok: boolean; events: number; firstBreak: { seq: number; reason: string } | null }>(
      `/audit/verify?resource=${encodeURIComponent(resource)}`,
      c,
    );

  it('verifies an intact chain and names the first changed event', async () => {
    const entry = await approvedEntry(p, as.transport, { title: '停车场数据' });
    const resource = `catalog-entry/${entry}`;
    const intact = await verify(resource);
    await p.rt.db.send(
      new UpdateCommand({
        TableName: p.rt.tables.audit,
        Key: { resource, sk: seqKey(2) },
        UpdateExpression: 'SET #a = :a',
        ExpressionAttributeNames: { '#a': 'action' },
        ExpressionAttributeValues: { ':a': 'catalog.approve' },
      }),
    );
    const tampered = await verify(resource);

    expect(intact.body).toMatchObject({ ok: true, events: 3, firstBreak: null });
    expect(tampered.body).toMatchObject({
      ok: false,
      events: 3,
      firstBreak: { seq: 2, reason: 'hash-mismatch' },
    });
    expect((await verify(resource, as.operatorA)).status).toBe(403);
  });

  it('detects a deleted event and a hidden organisation', async () => {
    const a = await approvedEntry(p, as.transport, { title: '充电桩数据' });
    const b = await approvedEntry(p, as.transport, { title: '路况数据' });
    await p.rt.db.send(
      new DeleteCommand({
        TableName: p.rt.tables.audit,
        Key: { resource: `catalog-entry/${a}`, sk: seqKey(2) },
      }),
    );
    await p.rt.db.send(
      new UpdateCommand({
        TableName: p.rt.tables.audit,
        Key: { resource: `catalog-entry/${b}`, sk: seqKey(1) },
        UpdateExpression: 'SET actorOrg = :o',
        ExpressionAttributeValues: { ':o': as.police.org },
      }),
    );

    expect((await verify(`catalog-entry/${a}`)).body.firstBreak).toMatchObject({
      seq: 3,
      reason: 'sequence-gap',
    });
    expect((await verify(`catalog-entry/${b}`)).body.firstBreak).toMatchObject({
      seq: 1,
      reason: 'index-mismatch',
    });
  });

  it('never forks a chain under concurrent writers', async () => {
    const resource = 'catalog-entry/ce_concurrency0000';
    const deps = { db: p.rt.db, tables: p.rt.tables };
    const actor = { principal: systemActor('test'), requestId: 'r', now: new Date() };
    await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        new Transaction(deps, { ...actor, requestId: `r${i}` })
          .audit({ action: 'catalog.touch', resource })
          .commit(),
      ),
    );
    const events = await auditOf(p, resource);

    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(new Set(events.map((e) => e.requestId)).size).toBe(4);
    expect((await verify(resource)).body).toMatchObject({ ok: true, events: 4 });
  });
});
