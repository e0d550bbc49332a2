import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { type ChainVerification, ChainVerifier } from '../shared/audit-chain.js';
import { openCursor, sealCursor } from '../shared/cursor.js';
import { type Deps, tableName } from '../shared/deps.js';
import { ValidationError } from '../shared/errors.js';
import { type Page, queryPage, queryPages } from '../shared/query.js';
import { days, type Filters, plan } from './domain.js';

type Item = Record<string, unknown>;

const INDEX: Record<'byUser' | 'byOrg', { index: string; attr: string }> = {
  byUser: { index: 'byUser', attr: 'actorUser' },
  byOrg: { index: 'byOrg', attr: 'actorOrg' },
};

/** The filter expression for every filter not answered by the key. */
const filterParts = (
  f: Filters,
  keyed: keyof Filters | 'day',
  names: Record<string, string>,
  values: Item,
) => {
  const parts: string[] = [];
  const eq = (field: keyof Filters, attr: string) => {
    const v = f[field];
    if (v === undefined || keyed === field) return;
    names[`#${field}`] = attr;
    values[`:${field}`] = v;
    parts.push(`#${field} = :${field}`);
  };
  eq('org', 'actorOrg');
  eq('user', 'actorUser');
  eq('role', 'actorRole');
  eq('action', 'action');
  eq('resource', 'resource');
  return parts;
};

const invalidCursor = () =>
  new ValidationError('Invalid cursor', [{ path: 'query.cursor', message: 'Not a cursor this API issued' }]);

/**
 * The audit table (one hash chain per resource; functions/shared/audit-chain.ts). Queries use the
 * table key (a resource's history), the by-user or by-organisation index with the time range in the
 * key condition, or — for supervisors over everything — the by-day index, one day partition after the
 * other. Never a scan.
 */
export const auditRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'audit');

  const onePartition = (
    input: Omit<QueryCommandInput, 'ExclusiveStartKey' | 'Limit'>,
    keyAttrs: readonly string[],
    limit: number,
    cursor: string | undefined,
  ) => queryPage<Item>(deps, input, { limit, cursor, keyAttrs, map: (i) => i });

  return {
    /** One page of events matching the filters, oldest first. */
    async page(f: Filters, limit: number, cursor: string | undefined): Promise<Page<Item>> {
      const names: Record<string, string> = { '#at': 'at' };
      const values: Item = { ':from': f.from, ':to': f.to };
      const p = plan(f);
      if (p.kind === 'resource') {
        names['#k'] = 'resource';
        values[':k'] = p.value;
        const filters = ['#at BETWEEN :from AND :to', ...filterParts(f, 'resource', names, values)];
        return onePartition(
          {
            TableName: table,
            KeyConditionExpression: '#k = :k',
            FilterExpression: filters.join(' AND '),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
          ['resource', 'sk'],
          limit,
          cursor,
        );
      }
      if (p.kind === 'byUser' || p.kind === 'byOrg') {
        const { index, attr } = INDEX[p.kind];
        names['#k'] = attr;
        values[':k'] = p.value;
        const filters = filterParts(f, p.kind === 'byUser' ? 'user' : 'org', names, values);
        return onePartition(
          {
            TableName: table,
            IndexName: index,
            KeyConditionExpression: '#k = :k AND #at BETWEEN :from AND :to',
            ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          },
          ['resource', 'sk', attr, 'at'],
          limit,
          cursor,
        );
      }
      // Everything: day partitions in order. The cursor names the day and the position within it.
      const all = days(f.from, f.to);
      let state: { d: string; c: string | null } = { d: all[0] ?? '', c: null };
      if (cursor) {
        // Signed and bound to these filters (functions/shared/cursor.ts).
        const raw = openCursor(cursor, ['audit-days', f]);
        if (
          !raw ||
          typeof raw.d !== 'string' ||
          !all.includes(raw.d) ||
          !(raw.c === null || typeof raw.c === 'string')
        ) {
          throw invalidCursor();
        }
        state = { d: raw.d, c: raw.c };
      }
      names['#k'] = 'day';
      const filters = filterParts(f, 'day', names, values);
      const items: Item[] = [];
      for (let i = all.indexOf(state.d); i >= 0 && i < all.length; i++) {
        const day = all[i] as string;
        const page = await onePartition(
          {
            TableName: table,
            IndexName: 'byDay',
            KeyConditionExpression: '#k = :k AND #at BETWEEN :from AND :to',
            ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: { ...values, ':k': day },
          },
          ['resource', 'sk', 'day', 'at'],
          limit - items.length,
          day === state.d ? (state.c ?? undefined) : undefined,
        );
        items.push(...page.items);
        if (page.nextCursor)
          return { items, nextCursor: sealCursor({ d: day, c: page.nextCursor }, ['audit-days', f]) };
        if (items.length >= limit) {
          const next = all[i + 1];
          return { items, nextCursor: next ? sealCursor({ d: next, c: null }, ['audit-days', f]) : null };
        }
      }
      return { items, nextCursor: null };
    },

    /** Recomputes the hash chain of one resource, page by page (consistent reads), and names the first break. */
    verify: (resource: string): Promise<ChainVerification> => verifyResourceChain(deps.db, table, resource),
  };
};

/** Shared by the verification route and the `npm run audit:verify` command. */
export const verifyResourceChain = async (
  db: Deps['db'],
  table: string,
  resource: string,
): Promise<ChainVerification> => {
  const verifier = new ChainVerifier(resource);
  for await (const items of queryPages(
    { db },
    {
      TableName: table,
      KeyConditionExpression: '#r = :r',
      ExpressionAttributeNames: { '#r': 'resource' },
      ExpressionAttributeValues: { ':r': resource },
      ConsistentRead: true,
    },
  )) {
    for (const item of items) verifier.next(item);
  }
  return verifier.result();
};
