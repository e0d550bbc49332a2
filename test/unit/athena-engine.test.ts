/**
 * The Amazon Athena engine adapter (functions/processing/aws.ts) with the SDK clients stubbed by hand:
 * what it asks Athena to run, how it polls, pages and meters, and how a failed query surfaces. The
 * SQL itself is checked and scoped before it reaches the engine (functions/processing/domain.ts) and
 * run on DuckDB by the API tests; this proves the AWS side of the same interface.
 */
import {
  type AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { CreateTableCommand, type GlueClient } from '@aws-sdk/client-glue';
import { describe, expect, it } from 'vitest';
import { athenaEngine } from '../../functions/processing/aws.js';

type Command = { input: Record<string, unknown> };
/** A client whose `send` answers each command class from `reply` and records what it was sent. */
const stub = (reply: (c: Command) => unknown) => {
  const sent: Command[] = [];
  const client = {
    send: async (c: Command) => {
      sent.push(c);
      return reply(c);
    },
  };
  return { client, sent };
};

const CFG = { bucket: 'data-bucket', database: 'shiyan_dev', workgroup: 'shiyan-dev-jobs' };
const QUERY = {
  id: 'job_0123456789abcdef',
  sql: 'WITH scoped AS (SELECT c1 AS "区县" FROM "shiyan_dev"."ce_x_v1") SELECT "区县", count(*) AS n FROM scoped GROUP BY 1',
  tables: ['"shiyan_dev"."ce_x_v1"'],
  maxRows: 10,
  maxBytes: 1_000_000,
};

const row = (...v: (string | null)[]) => ({ Data: v.map((x) => (x === null ? {} : { VarCharValue: x })) });

/** An Athena that is RUNNING for `running` polls, then ends in `state`, with two pages of results. */
const athena = (state: 'SUCCEEDED' | 'FAILED' | 'CANCELLED', running = 1, reason?: string) => {
  let polls = 0;
  return stub((c) => {
    if (c instanceof StartQueryExecutionCommand) return { QueryExecutionId: 'qe-1' };
    if (c instanceof GetQueryExecutionCommand) {
      polls += 1;
      const s = polls <= running ? 'RUNNING' : state;
      return {
        QueryExecution: {
          Status: { State: s, ...(s !== 'RUNNING' && reason ? { StateChangeReason: reason } : {}) },
          Statistics: { DataScannedInBytes: 52_428_800, EngineExecutionTimeInMillis: 1234 },
        },
      };
    }
    if (c instanceof GetQueryResultsCommand) {
      const meta = { ColumnInfo: [{ Name: '区县' }, { Name: 'n' }] };
      return c.input.NextToken
        ? { ResultSet: { ResultSetMetadata: meta, Rows: [row('郧阳区', '12'), row(null, '3')] } }
        : {
            ResultSet: { ResultSetMetadata: meta, Rows: [row('区县', 'n'), row('茅箭区', '40')] },
            NextToken: 'page-2',
          };
    }
    throw new Error(`unexpected ${c.constructor.name}`);
  });
};

const engineWith = (a: ReturnType<typeof athena>, glue = stub(() => ({}))) =>
  athenaEngine(
    { athena: a.client as unknown as AthenaClient, glue: glue.client as unknown as GlueClient },
    CFG,
  );

describe('the Athena engine adapter', () => {
  it('starts the scoped query in the stage’s workgroup, idempotently per job, and polls until it succeeds', async () => {
    const a = athena('SUCCEEDED', 1);
    const out = await engineWith(a).run(QUERY);

    const start = a.sent.find((c) => c instanceof StartQueryExecutionCommand);
    expect(start?.input).toEqual({
      QueryString: QUERY.sql,
      WorkGroup: CFG.workgroup,
      // The job id is the client request token: a retried job starts no second query.
      ClientRequestToken: QUERY.id.padEnd(32, '0'),
    });
    // No output location of its own: the workgroup enforces its result location and scan limit.
    expect(start?.input).not.toHaveProperty('ResultConfiguration');
    expect(a.sent.filter((c) => c instanceof GetQueryExecutionCommand)).toHaveLength(2);
    // Two result pages, the header row of the first dropped; a null cell stays null.
    expect(out.columns).toEqual(['区县', 'n']);
    expect(out.rows).toEqual([
      ['茅箭区', '40'],
      ['郧阳区', '12'],
      [null, '3'],
    ]);
    // Metering (Art. 17) reads Athena's own statistics.
    expect(out.bytesScanned).toBe(52_428_800);
    expect(out.runtimeMs).toBe(1234);
  });

  it('stops paging at maxRows', async () => {
    const a = athena('SUCCEEDED', 0);
    const out = await engineWith(a).run({ ...QUERY, maxRows: 1 });
    expect(out.rows).toEqual([['茅箭区', '40']]);
    expect(a.sent.filter((c) => c instanceof GetQueryResultsCommand)).toHaveLength(1);
  });

  it('passes verification parameters as quoted literals, never spliced into the SQL', async () => {
    const a = athena('SUCCEEDED', 0);
    await engineWith(a).run({
      ...QUERY,
      sql: 'SELECT count(*) > 0 FROM t WHERE c1 = ?',
      params: ["O'Brien"],
    });
    const start = a.sent.find((c) => c instanceof StartQueryExecutionCommand);
    expect(start?.input.QueryString).toBe('SELECT count(*) > 0 FROM t WHERE c1 = ?');
    expect(start?.input.ExecutionParameters).toEqual(["'O''Brien'"]);
  });

  it.each([
    ['FAILED', 'Query exhausted resources at this scale factor'],
    ['CANCELLED', 'Bytes scanned limit was exceeded'],
  ] as const)('a %s query rejects with Athena’s reason (the job fails with it)', async (state, reason) => {
    await expect(engineWith(athena(state, 0, reason)).run(QUERY)).rejects.toThrow(reason);
  });

  it('a failure without a reason still names the state', async () => {
    await expect(engineWith(athena('CANCELLED', 0)).run(QUERY)).rejects.toThrow('Query cancelled');
  });

  it('registers a dataset version as a Glue table in the stage’s database', async () => {
    const glue = stub(() => ({}));
    const table = await engineWith(athena('SUCCEEDED'), glue).register({
      entryId: 'ce_abc',
      version: 2,
      key: 'datasets/ce_abc/up_1/data.csv',
      columns: 3,
      format: 'csv',
    });
    const create = glue.sent[0];
    expect(create).toBeInstanceOf(CreateTableCommand);
    expect(create?.input).toMatchObject({
      DatabaseName: CFG.database,
      TableInput: {
        Name: 'ce_abc_v2',
        StorageDescriptor: { Location: 's3://data-bucket/datasets/ce_abc/up_1/' },
      },
    });
    expect(table.physical).toBe('"shiyan_dev"."ce_abc_v2"');
  });
});
