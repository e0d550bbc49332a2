import { randomUUID } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  createTableInput,
  ensureTables,
  localClientConfig,
  localTableName,
} from '../../infra/local/dynamodb.js';
import { tables } from '../../infra/system.js';

const client = new DynamoDBClient(localClientConfig(inject('dynamoEndpoint')));
afterAll(() => client.destroy());

describe('local tables from the declaration', () => {
  it('adds an index declared after a table was created (npm start on older data)', {
    timeout: 120_000,
  }, async () => {
    // Prepare: the catalog table as an older version created it, before its `byKind` index existed.
    const stage = `tbl${randomUUID().slice(0, 6)}`;
    const name = localTableName(stage, 'catalog');
    const current = createTableInput(name, tables.catalog);
    const older = current.GlobalSecondaryIndexes?.filter((i) => i.IndexName !== 'byKind');
    await client.send(
      new CreateTableCommand({
        ...current,
        GlobalSecondaryIndexes: older,
        AttributeDefinitions: current.AttributeDefinitions?.filter((a) => a.AttributeName !== 'kind'),
      }),
    );

    // Act
    await ensureTables(inject('dynamoEndpoint'), stage);

    // Assess
    const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
    expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(
      Object.keys(tables.catalog.indexes).sort(),
    );
  });
});
