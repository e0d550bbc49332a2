import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';

/**
 * The floor every function is measured against: a bare Lambda handler that makes exactly one
 * DynamoDB call with a client created at module load, and nothing else.
 */
const client = new DynamoDBClient({});
const table = process.env.TABLE_CATALOG ?? '';

export const handler = async (event: { put?: boolean; id?: string }) => {
  const id = event.id ?? 'floor';
  if (event.put) {
    await client.send(
      new PutItemCommand({ TableName: table, Item: { pk: { S: `FLOOR#${id}` }, sk: { S: 'HEAD' } } }),
    );
    return { statusCode: 201, body: '{}' };
  }
  const out = await client.send(
    new GetItemCommand({ TableName: table, Key: { pk: { S: 'FLOOR#x' }, sk: { S: 'HEAD' } } }),
  );
  return { statusCode: 200, body: JSON.stringify(out.Item ?? null) };
};
