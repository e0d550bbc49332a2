import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type IndexedContent, parseQuery, postingsOf } from '../../functions/search/domain.js';
import { searchIndex } from '../../functions/search/repository.js';
import { ensureTables, localClientConfig } from '../../infra/local/dynamodb.js';

const stage = `search${randomUUID().slice(0, 6)}`;
let db: DynamoDBDocumentClient;
let tables: Record<string, string>;

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  tables = await ensureTables(endpoint, stage);
  db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(endpoint)), {
    marshallOptions: { removeUndefinedValues: true },
  });
});
afterAll(() => db.destroy());

const index = () => searchIndex({ db, tables });
const facts = {
  providerOrg: '11420300MB1A000040',
  providerName: null,
  approvedAt: '2026-01-01T00:00:00.000Z',
};
const content = (title: string): IndexedContent => ({
  title,
  description: '说明',
  domain: 'transport',
  classification: 'general',
  openness: 'conditional',
  usageRequirements: '',
  dataItems: [{ name: '编号', description: '' }],
});

/** The entries holding every term of `q`. */
const found = async (q: string): Promise<string[]> => {
  const lists = await Promise.all(parseQuery(q).terms.map((t) => index().postings(t)));
  const sets = lists.map((l) => new Set(l.postings.map((p) => p.entryId)));
  return [...(sets[0] ?? [])].filter((id) => sets.every((s) => s.has(id))).sort();
};

describe('the search index', () => {
  it('ends at the newest version whatever the order and repetition of concurrent applications', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `ce_race${i}`);
    await Promise.all(
      ids.flatMap((id) => [
        index().apply(id, 3, postingsOf(content('湖泊水位监测'), facts)),
        index().apply(id, 5, postingsOf(content('河流流量监测'), facts)),
        index().apply(id, 4, postingsOf(content('水库库容监测'), facts)),
        index().apply(id, 5, postingsOf(content('河流流量监测'), facts)),
      ]),
    );

    expect(await found('河流流量')).toEqual(ids);
    expect(await found('湖泊')).toEqual([]);
    expect(await found('水库')).toEqual([]);
    expect(await index().version(ids[0]!)).toBe(5);
    expect(await index().apply(ids[0]!, 5, postingsOf(content('河流流量监测'), facts))).toBe('stale');
    expect(await index().apply(ids[0]!, 2, postingsOf(content('湖泊水位监测'), facts))).toBe('stale');
  });

  it('resumes an application interrupted after its claim, and removes an entry with empty postings', async () => {
    const id = 'ce_resume1';
    await index().apply(id, 1, postingsOf(content('矿山开采许可'), facts));
    // A crash after claiming version 2: its document is there, its postings were never written.
    const v2 = postingsOf(content('林地征占许可'), facts);
    const v1Terms = Object.keys(postingsOf(content('矿山开采许可'), facts));
    await db.send(
      new PutCommand({
        TableName: tables.search,
        Item: {
          pk: 'DOC',
          sk: id,
          v: 2,
          postings: v2,
          stale: v1Terms.filter((t) => !(t in v2)),
          done: false,
        },
      }),
    );
    const before = await found('林地');

    const resumed = await index().apply(id, 2, v2);
    const after = { new: await found('林地'), old: await found('矿山') };
    await index().apply(id, 3, {});

    expect(before).toEqual([]);
    expect(resumed).toBe('applied');
    expect(after).toEqual({ new: [id], old: [] });
    expect(await found('林地')).toEqual([]);
  });
});
