import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { relayPending } from '../../functions/outbox/relay.js';
import { SettableClock } from '../../functions/shared/clock.js';
import type { Deps, DomainEvent } from '../../functions/shared/deps.js';
import { systemActor, Transaction } from '../../functions/shared/store.js';
import { ensureTables, localClientConfig } from '../../infra/local/dynamodb.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';

const stage = `outbox${randomUUID().slice(0, 6)}`;
let db: DynamoDBDocumentClient;
let tables: Record<string, string>;
const clock = new SettableClock();
const published: DomainEvent[] = [];
const started: string[] = [];
let stepFunctionsUp = true;
let busUp = true;

const deps = (): Deps => ({
  db,
  tables,
  clock,
  logger: new Logger({ logLevel: 'SILENT' }),
  tokens: () => {
    throw new Error('unused');
  },
  events: {
    async publish(events) {
      if (!busUp) throw new Error('bus unavailable');
      published.push(...events);
    },
  },
  workflows: {
    async start(machine, name) {
      if (!stepFunctionsUp) throw new Error('Step Functions unavailable');
      started.push(`${machine}/${name}`);
    },
    succeed: async () => undefined,
    fail: async () => undefined,
  },
  authorityOrg: DEMO_ORGS.authority.code,
  personKeys: { lookupKey: () => Promise.reject(new Error('unused')) },
});

const pendingItems = async () => (await db.send(new ScanCommand({ TableName: tables.outbox }))).Items ?? [];

const change = (n: number) =>
  new Transaction(deps(), { principal: systemActor('test'), requestId: `r${n}`, now: clock.now() })
    .put('idempotency', { key: `item-${n}` })
    .audit({ action: 'test.change', resource: `test/${n}`, after: { n } })
    .publish({ source: 'shiyan.test', detailType: 'Changed', detail: { n } });

beforeAll(async () => {
  const endpoint = inject('dynamoEndpoint');
  tables = await ensureTables(endpoint, stage);
  db = DynamoDBDocumentClient.from(new DynamoDBClient(localClientConfig(endpoint)));
});
afterAll(() => db.destroy());

describe('transactional outbox', () => {
  it('publishes right after the commit and leaves nothing pending', async () => {
    await change(1).commit();

    expect(published.map((e) => e.detail)).toEqual([{ n: 1 }]);
    expect(await pendingItems()).toEqual([]);
  });

  it('keeps a committed event whose publish failed and relays it once, after the grace period', async () => {
    // Prepare: the bus is down during the request.
    published.length = 0;
    busUp = false;
    await change(2).commit();
    busUp = true;

    // Act
    const tooEarly = await relayPending(deps());
    clock.advance(61_000);
    const relayed = await relayPending(deps());
    const again = await relayPending(deps());

    // Assess
    expect(tooEarly.relayed).toBe(0);
    expect(relayed.relayed).toBe(1);
    expect(again.relayed).toBe(0);
    expect(published.map((e) => e.detail)).toEqual([{ n: 2 }]);
    expect(await pendingItems()).toEqual([]);
  });

  it('starts a committed workflow right away, or through the relay when the start was lost', async () => {
    started.length = 0;
    stepFunctionsUp = false;
    await change(5).startWorkflow('selection', 'ap_lost', { applicationId: 'ap_lost' }).commit();
    stepFunctionsUp = true;
    await change(6).startWorkflow('selection', 'ap_direct', { applicationId: 'ap_direct' }).commit();

    const beforeRelay = [...started];
    clock.advance(61_000);
    await relayPending(deps());

    expect(beforeRelay).toEqual(['selection/ap_direct']);
    expect(started).toEqual(['selection/ap_direct', 'selection/ap_lost']);
    expect(await pendingItems()).toEqual([]);
  });

  it('writes no event when the change itself is refused', async () => {
    published.length = 0;
    const conflicting = change(3).put(
      'idempotency',
      { key: 'exists' },
      { condition: 'attribute_not_exists(#k)', names: { '#k': 'key' } },
    );
    await change(4).put('idempotency', { key: 'exists' }).commit();
    published.length = 0;

    await expect(conflicting.commit()).rejects.toThrow();

    expect(published).toEqual([]);
    expect(await pendingItems()).toEqual([]);
  });
});
