import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Grant } from '../grants/domain.js';
import { type Deps, tableName } from '../shared/deps.js';

/**
 * Read-only access to a grant (Contract B: the grants duty owns the table and the `Grant` record). The
 * applications duty reads a grant to accept a renewal application (Art. 10.5, checked with the grants
 * duty's own rule) and to give the reason when an agreement ended without being signed (Art. 10.4).
 * The workflow's callback token never leaves this function.
 */
export const readGrant = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  id: string,
): Promise<Grant | undefined> => {
  const out = await deps.db.send(
    new GetCommand({
      TableName: tableName(deps, 'grants'),
      Key: { pk: `GRANT#${id}`, sk: 'GRANT' },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  const { signatureToken: _t, ...grant } = out.Item as Grant & Record<string, unknown>;
  return grant as Grant;
};
