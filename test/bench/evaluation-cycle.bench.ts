/**
 * Issue 8 figures for `npm run bench`: one evaluation cycle (the `evaluation-cycle` state machine with
 * its Distributed Map) over N running grants, locally: wall time, state transitions, child executions
 * and handler calls, for each size, so their growth with the number of grants shows.
 *
 * Sizes: `CYCLE_BENCH_SIZES` (comma separated, e.g. `1000,10000`); default a small `100,400` (`--quick`:
 * `100`). Alone: `npx tsx test/bench/evaluation-cycle.bench.ts` (starts its own DynamoDB Local).
 */
import { BatchWriteCommand, type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { draftGrant, sign } from '../../functions/grants/domain.js';
import { headItem } from '../../functions/grants/repository.js';
import type { Principal } from '../../functions/shared/auth.js';
import { startDynamoDbLocal } from '../../infra/local/dynamodb.js';
import { DEMO_ORGS } from '../../infra/local/orgs.js';
import { startLocalRuntime } from '../../infra/local/runtime.js';

type Print = (rows: (string | number)[][]) => void;

const who = (role: Principal['role'], org: string): Principal => ({
  userId: `${role}-bench`,
  role,
  roles: [role],
  org,
});

const writeAll = async (db: DynamoDBDocumentClient, table: string, items: Record<string, unknown>[]) => {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length) {
      const out = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
};

const sizesOf = (quick: boolean): number[] => {
  const raw = process.env.CYCLE_BENCH_SIZES;
  if (raw)
    return raw
      .split(',')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  return quick ? [100] : [100, 400];
};

export const run = async ({
  dynamoEndpoint,
  quick,
  print,
}: {
  dynamoEndpoint: string;
  quick: boolean;
  print: Print;
}) => {
  const rows: (string | number)[][] = [
    ['grants', 'cycle ms', 'ms/grant', 'transitions', 'child executions', 'handler calls', 'opened'],
  ];
  for (const n of sizesOf(quick)) {
    console.log(`\n== Evaluation cycle over ${n} running grants ==`);
    const rt = await startLocalRuntime({ stage: `bench-cycle-${n}`, dynamoEndpoint, logLevel: 'ERROR' });
    try {
      const now = rt.clock.now();
      const operator = who('operator', DEMO_ORGS.operatorA.code);
      const authority = who('authority', DEMO_ORGS.authority.code);
      const items = Array.from({ length: n }, (_, i) => {
        const g = draftGrant({
          id: `gr_cycle${String(i).padStart(10, '0')}`,
          applicationId: `ap_cycle${i}`,
          announcementId: 'an_bench',
          mode: 'comprehensive',
          scope: ['ce_bench0000000001'],
          grantor: { org: authority.org, role: 'authority' },
          operator: { org: operator.org, name: 'bench' },
          now,
        });
        return headItem(sign(sign(g, authority, now), operator, now));
      });
      await writeAll(rt.db, rt.tables.grants, items);
      const before = rt.invocations();
      const t = performance.now();
      const started = (await rt.scheduler.fire('evaluation-cycle')) as { cycleId: string };
      await rt.settle();
      const ms = performance.now() - t;
      const after = rt.invocations();
      const calls = Object.entries(after).reduce((s, [fn, c]) => s + c - (before[fn] ?? 0), 0);
      const exec = rt.workflows.executions().find((x) => x.machine === 'evaluation-cycle');
      let opened = 0;
      let start: Record<string, unknown> | undefined;
      do {
        const out = await rt.db.send(
          new QueryCommand({
            TableName: rt.tables.evaluations,
            IndexName: 'byKind',
            KeyConditionExpression: 'kind = :k',
            ExpressionAttributeValues: { ':k': 'evaluation' },
            Select: 'COUNT',
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        opened += out.Count ?? 0;
        start = out.LastEvaluatedKey;
      } while (start);
      console.log(`cycle ${started.cycleId}: ${exec?.status} ${exec?.error ?? ''}`);
      rows.push([
        n,
        ms.toFixed(0),
        (ms / n).toFixed(1),
        exec?.stats.transitions ?? 0,
        exec?.stats.childExecutions ?? 0,
        calls,
        opened,
      ]);
    } finally {
      await rt.stop();
    }
  }
  print(rows);
};

// Alone: its own DynamoDB Local.
if (import.meta.url === `file://${process.argv[1]}`) {
  const dynamo = await startDynamoDbLocal({});
  try {
    await run({
      dynamoEndpoint: dynamo.endpoint,
      quick: process.argv.includes('--quick'),
      print: (rows) => {
        for (const r of rows) console.log(r.join('\t'));
      },
    });
  } finally {
    await dynamo.stop();
  }
  process.exit(0);
}
