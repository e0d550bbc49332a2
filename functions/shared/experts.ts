/**
 * The third-party expert pool (Art. 10.3: 第三方专家), kept by the authority in the organisations
 * table, read by the duties that draw panels (applications) and check who may score (tasks).
 */
import { BatchGetCommand, type BatchGetCommandOutput, GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from './deps.js';

export interface Expert {
  /** The expert's user id (the token's `sub`). */
  readonly userId: string;
  readonly name: string;
  /** The organisation the expert works for: conflicts of interest are judged against it. */
  readonly org: string;
  /** Art. 7 domains the expert may review. */
  readonly fields: readonly string[];
  readonly active: boolean;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly createdBy: string;
}

export const expertKey = (userId: string) => ({ pk: `EXPERT#${userId}`, sk: 'EXPERT' });

export const expertFromItem = (i: Record<string, unknown>): Expert => {
  const { pk: _p, sk: _s, itemType: _t, listSort: _l, ...e } = i;
  return e as unknown as Expert;
};

export const readExpert = async (deps: Pick<Deps, 'db' | 'tables'>, userId: string) => {
  const out = await deps.db.send(
    new GetCommand({
      TableName: tableName(deps, 'organisations'),
      Key: expertKey(userId),
      ConsistentRead: true,
    }),
  );
  return out.Item ? expertFromItem(out.Item) : undefined;
};

/** The pool entries of `userIds` (missing ones are absent from the map). */
export const readExperts = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  userIds: readonly string[],
): Promise<Map<string, Expert>> => {
  const table = tableName(deps, 'organisations');
  const out = new Map<string, Expert>();
  const unique = [...new Set(userIds)];
  for (let i = 0; i < unique.length; i += 100) {
    let keys: Record<string, unknown>[] | undefined = unique.slice(i, i + 100).map(expertKey);
    // BatchGet may leave keys unprocessed under load: read them again until none is left.
    for (let attempt = 0; keys?.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 20 * 2 ** Math.min(attempt, 6)));
      const r: BatchGetCommandOutput = await deps.db.send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of r.Responses?.[table] ?? []) {
        const e = expertFromItem(item);
        out.set(e.userId, e);
      }
      keys = r.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return out;
};

/**
 * Art. 10.3 conflicts of interest: why an expert may not sit on (or score for) a panel about an
 * application, or undefined when the expert may. `conflicted`: the applicant's organisation and, in
 * domain mode, the granting provider's.
 */
export const expertConflict = (
  userId: string,
  expert: Expert | undefined,
  conflicted: readonly string[],
): string | undefined => {
  if (!expert) return `${userId} is not in the authority's third-party expert pool`;
  if (!expert.active) return `${userId} is no longer active in the expert pool`;
  if (conflicted.includes(expert.org))
    return `${userId} works for ${expert.org}, a party to this application (conflict of interest)`;
  return undefined;
};
