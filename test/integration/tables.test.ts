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
  it('adds indexes declared after a table was created (npm start on older data)', async () => {
    // Prepare: the catalog table as an older version created it, without its indexes.
    const stage = `tbl${randomUUID().slice(0, 6)}`;
    const name = localTableName(stage, 'catalog');
    const { GlobalSecondaryIndexes: _dropped, ...old } = createTableInput(name, tables.catalog);
    await client.send(
      new CreateTableCommand({
        ...old,
        AttributeDefinitions: old.AttributeDefinitions?.filter(
          (a) => a.AttributeName === 'pk' || a.AttributeName === 'sk',
        ),
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
