import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { indexPage, type Page, queryAll } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import { awaitsMaterialsReminder, type Evaluation, type EvaluationStatus } from './domain.js';

/**
 * The evaluations table. The head item (`EVAL#<id>` / `EVAL`) holds the evaluation; index attributes
 * are derived from it on every write:
 * - `operatorOrg`, `kind`, `evalGrant` + `createdSort`: the operator's, everyone's, one grant's lists;
 * - `rectifyDueKey` (sparse: rectifying evaluations only) + `rectifyDueSort`: the daily deadline sweep
 *   reads only the evaluations past their rectification deadline, never the table.
 * `PERIOD#<grantId>#<period>` / `GUARD` makes one evaluation per grant and period (conditional create).
 */
const pk = (id: string) => `EVAL#${id}`;
const HEAD = 'EVAL';
const RECTIFYING = 'rectifying';

export const headItem = (e: Evaluation) => ({
  pk: pk(e.id),
  sk: HEAD,
  kind: 'evaluation',
  ...e,
  evalGrant: e.grantId,
  createdSort: `${e.createdAt}#${e.id}`,
  ...(awaitsMaterialsReminder(e)
    ? { materialsDueKey: MATERIALS, materialsDueSort: `${e.materialsDueAt}#${e.id}` }
    : {}),
  ...(e.status === 'rectifying' && e.result?.rectifyBy
    ? { rectifyDueKey: RECTIFYING, rectifyDueSort: `${e.result.rectifyBy}#${e.id}` }
    : {}),
});

const MATERIALS = 'materials';
const INDEX_ATTRS = [
  'pk',
  'sk',
  'kind',
  'evalGrant',
  'createdSort',
  'rectifyDueKey',
  'rectifyDueSort',
  'materialsDueKey',
  'materialsDueSort',
];
const fromItem = (item: Record<string, unknown>): Evaluation => strip<Evaluation>(item, INDEX_ATTRS);

export const evaluationsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'evaluations');
  return {
    async get(id: string, consistent = false): Promise<Evaluation | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: { pk: pk(id), sk: HEAD }, ConsistentRead: consistent }),
      );
      return out.Item ? fromItem(out.Item) : undefined;
    },

    /** Creates the evaluation and its (grant, period) guard: a second one for the same period is a 409. */
    create(tx: Transaction, e: Evaluation): Transaction {
      return tx
        .create('evaluations', headItem(e), 'pk')
        .create(
          'evaluations',
          { pk: `PERIOD#${e.grantId}#${e.period}`, sk: 'GUARD', evaluationId: e.id },
          'pk',
          () => new ConflictError(`The grant already has an evaluation for ${e.period}`, 'evaluation_exists'),
        );
    },

    /** Conditional replace: fails with 409 if someone changed the evaluation since `previousVersion`. */
    save(tx: Transaction, e: Evaluation, previousVersion: number): Transaction {
      return tx.putVersioned('evaluations', headItem(e), previousVersion);
    },

    list(
      by: { operatorOrg: string } | { grantId: string } | { all: true },
      q: { status?: EvaluationStatus; grantId?: string; limit: number; cursor: string | undefined },
    ): Promise<Page<Evaluation>> {
      const [index, attr, value] =
        'operatorOrg' in by
          ? ['byOperator', 'operatorOrg', by.operatorOrg]
          : 'grantId' in by
            ? ['byGrant', 'evalGrant', by.grantId]
            : ['byKind', 'kind', 'evaluation'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: {
          status: q.status,
          ...('operatorOrg' in by && q.grantId ? { evalGrant: q.grantId } : {}),
        },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromItem,
      });
    },

    /** Open evaluations without material whose materials deadline falls before `until` (sparse index). */
    async materialsDueBefore(until: Date, max = 1000): Promise<Evaluation[]> {
      const items = await queryAll(
        deps,
        {
          TableName: table,
          IndexName: 'byMaterialsDue',
          KeyConditionExpression: '#k = :k AND #s <= :bound',
          ExpressionAttributeNames: { '#k': 'materialsDueKey', '#s': 'materialsDueSort' },
          ExpressionAttributeValues: { ':k': MATERIALS, ':bound': `${until.toISOString()}#~` },
        },
        max,
      );
      return items.map(fromItem);
    },

    /** Rectifying evaluations whose deadline is `now` or earlier (the sparse deadline index). */
    async rectificationDue(now: Date, max = 500): Promise<Evaluation[]> {
      const items = await queryAll(
        deps,
        {
          TableName: table,
          IndexName: 'byRectifyDue',
          KeyConditionExpression: '#k = :k AND #s <= :bound',
          ExpressionAttributeNames: { '#k': 'rectifyDueKey', '#s': 'rectifyDueSort' },
          ExpressionAttributeValues: { ':k': RECTIFYING, ':bound': `${now.toISOString()}#~` },
        },
        max,
      );
      return items.map(fromItem);
    },
  };
};
