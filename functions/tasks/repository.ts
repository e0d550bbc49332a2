import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { openCursor, sealCursor } from '../shared/cursor.js';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError, ValidationError } from '../shared/errors.js';
import { batchGetAll, type Page, queryAll, queryPage } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import { assigneeKey, type ReviewTask, type Subject } from './domain.js';
import type { ListTasksQuery } from './schemas.js';

/**
 * The tasks table. `TASK#<id>` / `TASK` holds a task (and, privately, its workflow's task token); a link
 * item `SUBJECT#<type>#<id>` / `TASK#<kind>#<assignee>` makes (subject, kind, assignee) unique and lists
 * a subject's tasks with a strongly consistent Query. Index attributes are derived on every write.
 */
const pk = (id: string) => `TASK#${id}`;
const SK = 'TASK';
const subjectPk = (s: Subject) => `SUBJECT#${s.type}#${s.id}`;
const linkSk = (kind: string, assignee: string) => `TASK#${kind}#${assignee}`;

const ASSIGNEE_KEYS = ['pk', 'sk', 'assigneeKey', 'assigneeSort'] as const;
const PENDING_KEYS = ['pk', 'sk', 'pendingKey', 'dueSort'] as const;

const itemOf = (t: ReviewTask, token: string | undefined) => ({
  pk: pk(t.id),
  sk: SK,
  ...t,
  assigneeKey: assigneeKey(t.assignee),
  assigneeSort: `${t.status}#${t.createdAt}#${t.id}`,
  dueSort: `${t.dueAt}#${t.id}`,
  // Sparse indexes: the supervision list holds pending tasks, the deadline sweep the unflagged ones.
  ...(t.status === 'pending' ? { pendingKey: 'PENDING' } : {}),
  ...(t.status === 'pending' && !t.overdue ? { deadlineKey: 'ARMED' } : {}),
  // The token is only needed while a workflow step waits on the task.
  ...(t.status === 'pending' && token ? { taskToken: token } : {}),
});

const fromItem = (item: Record<string, unknown>): ReviewTask => {
  const {
    pk: _pk,
    sk: _sk,
    assigneeKey: _a,
    assigneeSort: _as,
    dueSort: _d,
    pendingKey: _p,
    deadlineKey: _dk,
    taskToken: _t,
    ...task
  } = item;
  return task as unknown as ReviewTask;
};

const withToken = (item: Record<string, unknown>) => ({
  task: fromItem(item),
  token: typeof item.taskToken === 'string' ? item.taskToken : undefined,
});

/** Thrown when the (subject, kind, assignee) link exists already: a concurrent open won. */
export class TaskExists extends ConflictError {
  constructor() {
    super('A task for this subject, kind and assignee exists', 'task_exists');
  }
}

const filtersFor = (q: Pick<ListTasksQuery, 'overdue' | 'kind' | 'subjectId'>) => {
  const filters: string[] = [];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  if (q.overdue) {
    filters.push('#od = :od');
    names['#od'] = 'overdue';
    values[':od'] = q.overdue === 'true';
  }
  if (q.kind) {
    filters.push('#kd = :kd');
    names['#kd'] = 'kind';
    values[':kd'] = q.kind;
  }
  if (q.subjectId) {
    filters.push('#sj.#sid = :sid');
    names['#sj'] = 'subject';
    names['#sid'] = 'id';
    values[':sid'] = q.subjectId;
  }
  return { filters, names, values };
};

interface MultiCursor {
  /** Index of the partition being read. */
  readonly p: number;
  /** Key of the last item returned from it. */
  readonly k?: Record<string, unknown>;
}

export const tasksRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'tasks');

  const getItem = async (id: string) => {
    const out = await deps.db.send(
      new GetCommand({ TableName: table, Key: { pk: pk(id), sk: SK }, ConsistentRead: true }),
    );
    return out.Item;
  };

  return {
    async get(id: string): Promise<ReviewTask | undefined> {
      const item = await getItem(id);
      return item ? fromItem(item) : undefined;
    },

    /** A task with its private task token (workflow plumbing only; never returned by the API). */
    async getWithToken(id: string): Promise<{ task: ReviewTask; token: string | undefined } | undefined> {
      const item = await getItem(id);
      if (!item) return undefined;
      return withToken(item);
    },

    /** The task for (subject, kind, assignee), if one was opened. */
    async findFor(
      subject: Subject,
      kind: string,
      assignee: ReviewTask['assignee'],
    ): Promise<ReviewTask | undefined> {
      const out = await deps.db.send(
        new GetCommand({
          TableName: table,
          Key: { pk: subjectPk(subject), sk: linkSk(kind, assigneeKey(assignee)) },
          ConsistentRead: true,
        }),
      );
      const id = out.Item?.taskId;
      return typeof id === 'string' ? this.get(id) : undefined;
    },

    /** Every task of a subject (strongly consistent: the link items live in the subject's partition). */
    async listBySubject(subject: Subject): Promise<{ task: ReviewTask; token: string | undefined }[]> {
      const links = await queryAll(deps, {
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :t)',
        ExpressionAttributeValues: { ':pk': subjectPk(subject), ':t': 'TASK#' },
        ConsistentRead: true,
      });
      const items = await batchGetAll(
        deps,
        table,
        links.map((i) => ({ pk: pk(String(i.taskId)), sk: SK })),
        { consistent: true },
      );
      return items.map(withToken).sort((a, b) => a.task.createdAt.localeCompare(b.task.createdAt));
    },

    /** Adds the creation of a task and its uniqueness link to a transaction. */
    create(tx: Transaction, t: ReviewTask, token: string | undefined): Transaction {
      return tx
        .create('tasks', itemOf(t, token), 'pk')
        .create(
          'tasks',
          { pk: subjectPk(t.subject), sk: linkSk(t.kind, assigneeKey(t.assignee)), taskId: t.id },
          'pk',
          () => new TaskExists(),
        );
    },

    /** Adds a replace that expects `previousVersion` and, with `whilePending`, a still pending task. */
    save(
      tx: Transaction,
      t: ReviewTask,
      previousVersion: number,
      opts: { token?: string; whilePending?: boolean; onConflict?: () => ConflictError } = {},
    ): Transaction {
      return tx.put('tasks', itemOf(t, opts.token), {
        condition: opts.whilePending ? '#v = :expected AND #s = :pending' : '#v = :expected',
        names: { '#v': 'version', ...(opts.whilePending ? { '#s': 'status' } : {}) },
        values: { ':expected': previousVersion, ...(opts.whilePending ? { ':pending': 'pending' } : {}) },
        ...(opts.onConflict ? { onConflict: opts.onConflict } : {}),
      });
    },

    /**
     * Tasks in any of the given assignee partitions (a caller's own, their roles' in their org, their
     * roles' anywhere), newest first, one partition after the other. The cursor names the partition and
     * the last item returned, so pages are exact.
     */
    async listForAssignees(keys: readonly string[], q: ListTasksQuery): Promise<Page<ReviewTask>> {
      let cursor: MultiCursor = { p: 0 };
      // Bound to the caller's partitions and filters: a cursor of another query is a 400.
      const binding = ['tasks.byAssignee', keys, q.status ?? null, filtersFor(q)];
      if (q.cursor) {
        const c = openCursor<MultiCursor>(q.cursor, binding);
        if (!c || typeof c.p !== 'number' || c.p < 0 || c.p >= keys.length) {
          throw new ValidationError('Invalid cursor', [
            { path: 'query.cursor', message: 'Not a cursor this API issued' },
          ]);
        }
        cursor = c;
      }
      const { filters, names, values } = filtersFor(q);
      const items: { item: Record<string, unknown>; p: number }[] = [];
      let p = cursor.p;
      let start = cursor.k;
      let more = false;
      while (p < keys.length) {
        const out = await deps.db.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'byAssignee',
            KeyConditionExpression: q.status
              ? 'assigneeKey = :k AND begins_with(assigneeSort, :st)'
              : 'assigneeKey = :k',
            ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
            ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
            ExpressionAttributeValues: {
              ':k': keys[p],
              ...(q.status ? { ':st': `${q.status}#` } : {}),
              ...values,
            },
            ScanIndexForward: false,
            Limit: Math.max(q.limit * 2, 25),
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of out.Items ?? []) items.push({ item, p });
        if (items.length > q.limit) {
          more = true;
          break;
        }
        if (out.LastEvaluatedKey) {
          start = out.LastEvaluatedKey;
          continue;
        }
        p++;
        start = undefined;
      }
      const page = items.slice(0, q.limit);
      const last = page.at(-1);
      more ||= p < keys.length && page.length === q.limit;
      const next: MultiCursor | undefined =
        more && last
          ? { p: last.p, k: Object.fromEntries(ASSIGNEE_KEYS.map((k) => [k, last.item[k]])) }
          : undefined;
      return {
        items: page.map((i) => fromItem(i.item)),
        nextCursor: next ? sealCursor(next, binding) : null,
      };
    },

    /** Every pending task, most urgent first (the authority's supervision view, Art. 15). */
    async listPending(q: ListTasksQuery): Promise<Page<ReviewTask>> {
      const { filters, names, values } = filtersFor(q);
      return queryPage(
        deps,
        {
          TableName: table,
          IndexName: 'byPending',
          KeyConditionExpression: 'pendingKey = :p',
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: { ':p': 'PENDING', ...values },
        },
        { limit: q.limit, cursor: q.cursor, keyAttrs: PENDING_KEYS, map: fromItem },
      );
    },

    /** Pending, not yet flagged tasks due at or before `now` (a Query on the sparse deadline index). */
    async dueBy(now: Date, max = 500): Promise<ReviewTask[]> {
      const items = await queryAll(
        deps,
        {
          TableName: table,
          IndexName: 'byDeadline',
          KeyConditionExpression: 'deadlineKey = :a AND dueSort <= :now',
          ExpressionAttributeValues: { ':a': 'ARMED', ':now': `${now.toISOString()}#~` },
        },
        max,
      );
      return items.map(fromItem);
    },
  };
};
export type TasksRepository = ReturnType<typeof tasksRepository>;
