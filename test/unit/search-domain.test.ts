import { describe, expect, it } from 'vitest';
import {
  decodePosting,
  encodePosting,
  highlight,
  type IndexedContent,
  type Posting,
  parseQuery,
  postingsOf,
  rank,
  tokenize,
} from '../../functions/search/domain.js';
import { shardOf } from '../../functions/search/repository.js';

const content = (o: Partial<IndexedContent> = {}): IndexedContent => ({
  title: '公交IC卡刷卡记录',
  description: '十堰市公交车辆刷卡数据（脱敏）',
  domain: 'transport',
  classification: 'general',
  openness: 'conditional',
  usageRequirements: '',
  dataItems: [{ name: '线路编号', description: '' }],
  ...o,
});
const facts = {
  providerOrg: '11420300MB1A000040',
  providerName: '市交通运输局',
  approvedAt: '2026-01-01T00:00:00.000Z',
};

/** Postings of `id` for `terms`, as the index would return them. */
const listsFor = (docs: Record<string, IndexedContent>, q: string): Posting[][] =>
  parseQuery(q).terms.map((t) =>
    Object.entries(docs).flatMap(([id, c]) => {
      const v = postingsOf(c, facts)[t];
      return v ? [decodePosting(id, v)!] : [];
    }),
  );

describe('analysis', () => {
  it('joins Chinese segments into runs and keeps Latin words and numbers whole (NFKC, lower case)', () => {
    expect(tokenize('十堰市公交IC卡（脱敏）, ＡＰＩ 2024')).toEqual([
      { kind: 'han', text: '十堰市公交' },
      { kind: 'word', text: 'ic' },
      { kind: 'han', text: '卡' },
      { kind: 'han', text: '脱敏' },
      { kind: 'word', text: 'api' },
      { kind: 'word', text: '2024' },
    ]);
  });

  it('queries Chinese by bigrams, one character by itself, and nothing for punctuation', () => {
    expect(parseQuery('医疗保险 API').terms).toEqual(['b:医疗', 'b:疗保', 'b:保险', 'w:api']);
    expect(parseQuery('车').terms).toEqual(['u:车']);
    expect(parseQuery(' ，。! ').terms).toEqual([]);
  });

  it('finds a word inside a Chinese title that the dictionary splits differently (公交 in 公交卡)', () => {
    const docs = { a: content() };
    expect(rank(listsFor(docs, '公交'), {}).hits.map((h) => h.entryId)).toEqual(['a']);
    expect(rank(listsFor(docs, '刷卡记录'), {}).hits.map((h) => h.entryId)).toEqual(['a']);
    expect(rank(listsFor(docs, '线路'), {}).hits.map((h) => h.entryId)).toEqual(['a']);
    expect(rank(listsFor(docs, '地铁'), {}).hits).toEqual([]);
  });

  it('indexes single characters of short fields only', () => {
    const p = postingsOf(content({ description: '含有马字' }), facts);
    expect(p['u:卡']).toBeDefined(); // title
    expect(p['u:马']).toBeUndefined(); // description: bigrams only
    expect(p['b:马字']).toBeDefined();
  });
});

describe('ranking and facets', () => {
  const docs = {
    desc: content({ title: '车辆登记', description: '包含医保结算的说明' }),
    title: content({ title: '医保结算明细', description: '月度数据' }),
    item: content({ title: '门诊记录', dataItems: [{ name: '医保结算金额', description: '' }] }),
  };

  it('puts a title match first, then a data item name, then a description', () => {
    const out = rank(listsFor(docs, '医保结算'), {});
    expect(out.hits.map((h) => h.entryId)).toEqual(['title', 'item', 'desc']);
  });

  it('requires every term (AND) and counts facets of the other filters', () => {
    const lists: Posting[][] = [
      [
        {
          entryId: 'a',
          score: 10,
          domain: 'transport',
          provider: 'P1',
          classification: 'general',
          openness: 'open',
          approvedAt: '1',
        },
        {
          entryId: 'b',
          score: 10,
          domain: 'medical',
          provider: 'P1',
          classification: 'general',
          openness: 'open',
          approvedAt: '2',
        },
        {
          entryId: 'c',
          score: 10,
          domain: 'medical',
          provider: 'P2',
          classification: 'important',
          openness: 'open',
          approvedAt: '3',
        },
      ],
      [
        {
          entryId: 'b',
          score: 10,
          domain: 'medical',
          provider: 'P1',
          classification: 'general',
          openness: 'open',
          approvedAt: '2',
        },
        {
          entryId: 'c',
          score: 10,
          domain: 'medical',
          provider: 'P2',
          classification: 'important',
          openness: 'open',
          approvedAt: '3',
        },
      ],
    ];
    const all = rank(lists, {});
    const filtered = rank(lists, { provider: 'P1' });

    expect(all.hits.map((h) => h.entryId)).toEqual(['c', 'b']); // equal scores: newest approval first
    expect(all.facets.domain).toEqual([{ value: 'medical', count: 2 }]);
    expect(all.facets.provider).toEqual([
      { value: 'P1', count: 1 },
      { value: 'P2', count: 1 },
    ]);
    expect(filtered.hits.map((h) => h.entryId)).toEqual(['b']);
    // The provider facet ignores its own filter (so the other providers stay choosable), the others apply it.
    expect(filtered.facets.provider).toHaveLength(2);
    expect(filtered.facets.classification).toEqual([{ value: 'general', count: 1 }]);
  });

  it('finds nothing when one term has no postings', () => {
    expect(rank([[], []], {}).hits).toEqual([]);
  });
});

describe('storage forms', () => {
  it('round-trips a posting and refuses a malformed one', () => {
    const f = {
      domain: 'transport',
      provider: 'P',
      classification: 'general',
      openness: 'open',
      approvedAt: 'x',
    };
    expect(decodePosting('e', encodePosting(42, f))).toEqual({ entryId: 'e', score: 42, ...f });
    expect(decodePosting('e', '42|transport')).toBeUndefined();
  });

  it('spreads entries over the shards of a term', () => {
    const shards = new Set(Array.from({ length: 500 }, (_, i) => shardOf(`ce_${i}`)));
    expect(shards.size).toBe(32);
  });

  it('highlights every occurrence of the query pieces', () => {
    expect(highlight('公交卡与公交车 API', ['公交', 'api'])).toEqual([
      [0, 2],
      [4, 6],
      [8, 11],
    ]);
  });
});
