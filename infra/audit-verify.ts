/**
 * `npm run audit:verify -- --table <audit table> --resource <type/id> [--endpoint <DynamoDB URL>]`
 *
 * Recomputes the hash chain of one resource straight from the audit table (not through the platform's
 * API: an inspector with read access to the table need not trust the functions) and prints the result
 * as JSON; exits 1 when the chain is broken. Locally: `--endpoint http://127.0.0.1:<port>` of DynamoDB
 * Local and `--table local-audit`; in AWS the default credentials and the stack's audit table name.
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { verifyResourceChain } from '../functions/audit/repository.js';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    resource: { type: 'string', multiple: true },
    endpoint: { type: 'string' },
    region: { type: 'string', default: process.env.AWS_REGION ?? 'cn-north-1' },
  },
});
if (!values.table || !values.resource?.length) {
  console.error(
    'usage: npm run audit:verify -- --table <audit table> --resource <type/id> [--endpoint <url>]',
  );
  process.exit(2);
}
const local = values.endpoint
  ? { endpoint: values.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
  : {};
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: values.region, ...local }));
let broken = false;
for (const resource of values.resource) {
  const result = await verifyResourceChain(db, values.table, resource);
  broken ||= !result.ok;
  console.log(JSON.stringify(result));
}
process.exit(broken ? 1 : 0);
