import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import {
  approvedEntry,
  as,
  type Caller,
  catalogEntryBody,
  type Platform,
  startPlatform,
} from '../support/platform.js';

let p: Platform;
beforeAll(async () => {
  p = await startPlatform();
});
afterAll(() => p.stop());

interface Hit {
  id: string;
  score: number;
  authorizable: boolean;
  published: { title: string; revision: number };
  highlights: { title: [number, number][]; description: [number, number][]; dataItems: string[] };
}
interface SearchReply {
  items: Hit[];
  nextCursor: string | null;
  total: number;
  facets: Record<'domain' | 'provider' | 'classification' | 'openness', { value: string; count: number }[]>;
}

/** Searches once the index has caught up with every event published so far. */
const search = async (q: string, extra = '', who: Caller | null = null) => {
  await p.rt.settle();
  return p.get<SearchReply>(`/catalog?q=${encodeURIComponent(q)}${extra}`, who);
};
const ids = (r: { body: SearchReply }) => r.body.items.map((i) => i.id);

/** An approved entry with its own vocabulary, so the tests of this file never see each other's. */
const entry = (owner: Caller, o: Record<string, unknown>) => approvedEntry(p, owner, o);

describe('finding approved entries', () => {
  it('finds an entry by a word inside its Chinese title and by a data item name, with highlights', async () => {
    const id = await entry(as.transport, {
      title: '十堰公交卡刷卡记录',
      description: '每日汇总',
      dataItems: [{ name: '乘车站点编码', type: 'string', personalInformation: false, description: '' }],
    });

    const byTitleWord = await search('公交');
    const byItem = await search('站点编码');
    const byMissing = await search('地铁闸机');

    expect(byTitleWord.status).toBe(200);
    expect(ids(byTitleWord)).toEqual([id]);
    expect(byTitleWord.body.items[0]!.highlights.title).toEqual([[2, 4]]);
    expect(byTitleWord.headers.get('x-search-items-read')).toMatch(/^\d+$/);
    expect(ids(byItem)).toEqual([id]);
    expect(byItem.body.items[0]!.highlights.dataItems).toEqual(['乘车站点编码']);
    expect(byMissing.body).toMatchObject({ items: [], total: 0, nextCursor: null });
  });

  it('never finds a draft, a rejected, a state-secret or a withdrawn entry', async () => {
    const draft = await p.post(
      '/catalog',
      as.police,
      catalogEntryBody({ title: '草稿户籍迁移表', domain: 'other' }),
    );
    const rejected = String(
      (await p.post('/catalog', as.police, catalogEntryBody({ title: '驳回户籍迁移表', domain: 'other' })))
        .body.id,
    );
    await p.post(`/catalog/${rejected}/submit`, as.police);
    await p.post(`/catalog/${rejected}/review`, as.authority, { decision: 'reject', reason: '不完整' });
    const secret = await entry(as.police, {
      title: '涉密户籍迁移表',
      restrictions: { stateSecret: true, publicSafety: false, closedByLaw: false },
    });
    const withdrawn = await entry(as.police, { title: '撤回户籍迁移表' });
    const visible = await entry(as.police, { title: '公开户籍迁移表' });
    // The withdrawal route is another duty's; its event is the contract the index follows.
    await p.rt.bus.publisher.publish([
      CatalogEntryWithdrawn.make({
        entryId: withdrawn,
        version: 4,
        providerOrg: as.police.org,
        providerName: null,
        at: new Date().toISOString(),
        reason: '停止提供',
      }),
    ]);

    const found = await search('户籍迁移');
    const asAuthority = await search('户籍迁移', '&scope=public', as.authority);
    const authorityView = await search('户籍迁移', '', as.authority);

    expect(draft.status).toBe(201);
    expect(ids(found)).toEqual([visible]);
    expect(found.body.total).toBe(1);
    expect(ids(asAuthority)).toEqual([visible]); // the public scope, whoever asks
    // The authority's own view (every entry, every state) keeps its path.
    expect(ids(authorityView).sort()).toEqual(
      [String(draft.body.id), rejected, secret, withdrawn, visible].sort(),
    );
    expect(ids(found)).not.toContain(secret);
  });

  it('ranks a title match before a data item name match before a description match', async () => {
    const inDescription = await entry(as.hrss, {
      title: '职工名册',
      description: '含养老金核定记录',
      domain: 'employment',
    });
    const inTitle = await entry(as.hrss, {
      title: '养老金核定明细',
      description: '按月',
      domain: 'employment',
    });
    const inItem = await entry(as.hrss, {
      title: '退休人员名单',
      domain: 'employment',
      dataItems: [{ name: '养老金核定额', type: 'decimal', personalInformation: false, description: '' }],
    });

    const r = await search('养老金核定');

    expect(ids(r)).toEqual([inTitle, inItem, inDescription]);
    expect(r.body.items[0]!.score).toBeGreaterThan(r.body.items[1]!.score);
  });

  it('counts facets for the query and applies every filter, paging with a cursor bound to the search', async () => {
    const made = [
      await entry(as.health, { title: '疫苗接种点甲', domain: 'health', openness: 'unconditional' }),
      await entry(as.health, { title: '疫苗接种点乙', domain: 'health', openness: 'conditional' }),
      await entry(as.health, { title: '疫苗接种点丙', domain: 'medical', openness: 'conditional' }),
      await entry(as.transport, { title: '疫苗接种点交通', domain: 'transport', openness: 'conditional' }),
    ];

    const all = await search('疫苗接种');
    const health = await search('疫苗接种', '&domain=health');
    const byProvider = await search('疫苗接种', `&provider=${as.transport.org}`);
    const first = await search('疫苗接种', '&limit=3');
    const second = await search('疫苗接种', `&limit=3&cursor=${first.body.nextCursor}`);
    const foreign = await search('接种', `&limit=3&cursor=${first.body.nextCursor}`);
    const forged = await search(
      '疫苗接种',
      `&cursor=${Buffer.from('{"k":"search","h":"x","o":"1"}').toString('base64url')}`,
    );

    expect(all.body.total).toBe(4);
    expect(all.body.facets.domain).toEqual([
      { value: 'health', count: 2 },
      { value: 'medical', count: 1 },
      { value: 'transport', count: 1 },
    ]);
    expect(all.body.facets.provider).toEqual([
      { value: as.health.org, count: 3 },
      { value: as.transport.org, count: 1 },
    ]);
    expect(all.body.facets.openness).toEqual([
      { value: 'conditional', count: 3 },
      { value: 'unconditional', count: 1 },
    ]);
    expect(all.body.facets.classification).toEqual([{ value: 'general', count: 4 }]);
    expect(ids(health).sort()).toEqual([made[0], made[1]].sort());
    expect(health.body.facets.openness).toEqual([
      { value: 'conditional', count: 1 },
      { value: 'unconditional', count: 1 },
    ]);
    expect(health.body.facets.domain).toHaveLength(3); // its own filter does not narrow it
    expect(ids(byProvider)).toEqual([made[3]]);
    expect(first.body.items).toHaveLength(3);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    expect([...ids(first), ...ids(second)].sort()).toEqual([...made].sort());
    expect(foreign.status).toBe(400);
    expect(forged.status).toBe(400);
  });

  it('treats an empty or whitespace query as no text filter', async () => {
    const empty = await p.get<SearchReply>('/catalog?q=');
    const blank = await p.get<SearchReply>('/catalog?q=%20%20');
    const plain = await p.get<SearchReply>('/catalog');

    expect(empty.status).toBe(200);
    expect(blank.status).toBe(200);
    expect(ids(empty)).toEqual(ids(plain));
    expect(ids(blank)).toEqual(ids(plain));
  });
});

describe('following the catalog', () => {
  it('follows a revision: the new title is found, the old one no longer', async () => {
    const id = await entry(as.transport, { title: '出租车营运轨迹' });
    await p.patch(`/catalog/${id}`, as.transport, { title: '网约车营运轨迹' });
    const pending = await search('出租车');
    await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });

    const oldWord = await search('出租车');
    const newWord = await search('网约车');

    expect(ids(pending)).toEqual([id]); // the approved version stays public while the revision is reviewed
    expect(oldWord.body.items).toEqual([]);
    expect(ids(newWord)).toEqual([id]);
    expect(newWord.body.items[0]!.published.revision).toBe(2);
  });

  it('follows an Art. 8 flag: a state secret leaves the index, a public-safety flag stays found but not authorizable', async () => {
    const secret = await entry(as.police, { title: '治安卡口过车记录' });
    const safety = await entry(as.police, { title: '治安卡口设备清单' });
    await p.patch(`/catalog/${secret}`, as.police, { restrictions: { stateSecret: true } });
    await p.patch(`/catalog/${safety}`, as.police, { restrictions: { publicSafety: true } });
    await p.post(`/catalog/${secret}/review`, as.authority, { decision: 'approve' });
    await p.post(`/catalog/${safety}/review`, as.authority, { decision: 'approve' });

    const r = await search('治安卡口');

    expect(ids(r)).toEqual([safety]);
    expect(r.body.items[0]!.authorizable).toBe(false);
  });

  it('ignores an older event arriving after a newer one, and a repeated one', async () => {
    const id = await entry(as.hrss, { title: '失业登记人员', domain: 'employment' });
    await p.patch(`/catalog/${id}`, as.hrss, { title: '就业困难人员' });
    await p.post(`/catalog/${id}/review`, as.authority, { decision: 'approve' });
    await p.rt.settle();
    const events = p.rt.bus.events({ detailType: CatalogEntryPublished.detailType });
    const mine = events.filter((e) => (e.detail as { entryId: string }).entryId === id);
    // Deliver the first (older) version's event again, after the newer one.
    await p.rt.bus.publisher.publish([
      { source: mine[0]!.source, detailType: mine[0]!['detail-type'], detail: mine[0]!.detail },
      { source: mine[1]!.source, detailType: mine[1]!['detail-type'], detail: mine[1]!.detail },
    ]);

    const oldWord = await search('失业登记');
    const newWord = await search('就业困难');

    expect(mine).toHaveLength(2);
    expect(oldWord.body.items).toEqual([]);
    expect(ids(newWord)).toEqual([id]);
  });

  it('is recreated by the rebuild from the catalog table (admin only)', async () => {
    const id = await entry(as.health, { title: '献血站点分布' });
    await p.rt.settle();
    // Lose part of the index: every posting item of one term.
    const lost = await p.rt.db.send(
      new QueryCommand({
        TableName: p.rt.tables.search,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'T#b:献血' },
      }),
    );
    for (const item of lost.Items ?? []) {
      await p.rt.db.send(
        new DeleteCommand({ TableName: p.rt.tables.search, Key: { pk: item.pk, sk: item.sk } }),
      );
    }
    const broken = await search('献血');
    const refused = await p.post('/search/rebuild', as.authority, {});
    const rebuilt = await p.post('/search/rebuild', as.admin, {});
    const repaired = await search('献血');

    expect(broken.body.items).toEqual([]);
    expect(refused.status).toBe(403);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.body.entries).toBeGreaterThan(0);
    expect(ids(repaired)).toEqual([id]);
  });
});
