import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError, TooManyRequestsError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { batchGetAll, indexPage, type Page, queryAll } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import type { Dataset, DatasetUpload, Job, JobStatus, Verification } from './domain.js';

/**
 * The processing table.
 * - Upload `UPLOAD#<id>` / `UPLOAD` (expires with TTL once registered or abandoned).
 * - Dataset versions `DATASET#<entry>` / `V#<000001>`, and `DATASET#<entry>` / `CURRENT` (the latest
 *   version, conditional on the previous one: two completions cannot both become version n).
 * - Job `JOB#<id>` / `JOB`; indexes: `operatorOrg` + `createdSort` (the operator's jobs and the
 *   public record per operator), `jobGrant` + `createdSort` (jobs to stop when a grant is suspended),
 *   `publicKey` + `createdSort` (the whole public record), `checkKey` + `checkSort` (sparse: pending
 *   manual output checks by deadline), `checkDueKey` + `checkSort` (sparse: pending checks not yet
 *   flagged overdue, read by the deadline sweep).
 * - Verification `VERIFY#<id>` / `VERIFY`; rate counters `RATE#<id>#<org>` / `<minute>` with TTL.
 * - Uses other than jobs `USE#<id>` / `USE` (verification calls, refused job attempts): `jobGrant` +
 *   `createdSort` only (the evaluation's data-use evidence); the operator is kept as `useOperator`.
 */
const pad = (v: number) => String(v).padStart(6, '0');
const JOB = 'JOB';

const jobItem = (j: Job) => ({
  pk: `JOB#${j.id}`,
  sk: JOB,
  ...j,
  jobGrant: j.grantId,
  publicKey: 'job',
  createdSort: `${j.createdAt}#${j.id}`,
  ...(j.status === 'output-check' && j.check
    ? { checkKey: 'pending', checkSort: `${j.check.dueAt}#${j.id}` }
    : {}),
  // Sparse: only while the check is pending and not yet flagged overdue (the deadline sweep's index).
  ...(j.status === 'output-check' && j.check && !j.check.overdueAt ? { checkDueKey: 'due' } : {}),
});
const JOB_ATTRS = [
  'pk',
  'sk',
  'jobGrant',
  'publicKey',
  'createdSort',
  'checkKey',
  'checkSort',
  'checkDueKey',
];
const jobFrom = (i: Record<string, unknown>) => strip<Job>(i, JOB_ATTRS);

/** A use of data other than a job (a verification call) or a refused job attempt, by grant and time. */
export interface UseRecord {
  readonly id: string;
  readonly kind: 'verification-call' | 'refused-attempt';
  readonly grantId: string;
  readonly operatorOrg: string;
  readonly demandId: string;
  readonly scenarioTitle: string;
  readonly entitlementIds: readonly string[];
  readonly at: string;
  /** The verification called, or why the checker refused the query. */
  readonly subject: string;
}

export const processingRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'processing');
  const get = async (pk: string, sk: string, consistent = true) =>
    (await deps.db.send(new GetCommand({ TableName: table, Key: { pk, sk }, ConsistentRead: consistent })))
      .Item;

  return {
    // Uploads and datasets ------------------------------------------------------------------------
    async getUpload(id: string): Promise<DatasetUpload | undefined> {
      const i = await get(`UPLOAD#${id}`, 'UPLOAD');
      return i ? strip<DatasetUpload>(i, ['pk', 'sk', 'ttl']) : undefined;
    },
    createUpload(tx: Transaction, u: DatasetUpload): Transaction {
      return tx.create('processing', { pk: `UPLOAD#${u.id}`, sk: 'UPLOAD', ...u }, 'pk');
    },
    /** Registers a dataset version: the upload moves to `registered` (once) and CURRENT advances (once). */
    registerDataset(
      tx: Transaction,
      u: DatasetUpload,
      d: Dataset,
      previous: number | undefined,
      ttl: number,
    ): Transaction {
      return tx
        .put(
          'processing',
          { pk: `UPLOAD#${u.id}`, sk: 'UPLOAD', ...u, status: 'registered', version: d.version, ttl },
          {
            condition: '#s = :pending',
            names: { '#s': 'status' },
            values: { ':pending': 'pending' },
            onConflict: () => new ConflictError('The upload is already registered', 'upload_registered'),
          },
        )
        .create('processing', { pk: `DATASET#${d.entryId}`, sk: `V#${pad(d.version)}`, ...d }, 'pk')
        .put(
          'processing',
          { pk: `DATASET#${d.entryId}`, sk: 'CURRENT', ...d },
          previous === undefined
            ? {
                condition: 'attribute_not_exists(pk)',
                onConflict: () =>
                  new ConflictError('Another version was registered meanwhile', 'stale_version'),
              }
            : {
                condition: '#v = :prev',
                names: { '#v': 'version' },
                values: { ':prev': previous },
                onConflict: () =>
                  new ConflictError('Another version was registered meanwhile', 'stale_version'),
              },
        );
    },
    async currentDataset(entryId: string): Promise<Dataset | undefined> {
      const i = await get(`DATASET#${entryId}`, 'CURRENT');
      return i ? strip<Dataset>(i, ['pk', 'sk']) : undefined;
    },
    async datasetVersion(entryId: string, version: number): Promise<Dataset | undefined> {
      const i = await get(`DATASET#${entryId}`, `V#${pad(version)}`);
      return i ? strip<Dataset>(i, ['pk', 'sk']) : undefined;
    },
    /** The current datasets of several entries (one BatchGet). */
    async currentDatasets(entryIds: readonly string[]): Promise<Map<string, Dataset>> {
      const keys = [...new Set(entryIds)].map((e) => ({ pk: `DATASET#${e}`, sk: 'CURRENT' }));
      const items = await batchGetAll(deps, table, keys);
      return new Map(items.map((i) => [String(i.entryId), strip<Dataset>(i, ['pk', 'sk'])]));
    },
    async datasetVersions(entryId: string): Promise<Dataset[]> {
      const out = await deps.db.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :v)',
          ExpressionAttributeValues: { ':pk': `DATASET#${entryId}`, ':v': 'V#' },
        }),
      );
      return (out.Items ?? []).map((i) => strip<Dataset>(i, ['pk', 'sk']));
    },

    // Jobs ----------------------------------------------------------------------------------------
    async getJob(id: string): Promise<Job | undefined> {
      const i = await get(`JOB#${id}`, JOB);
      return i ? jobFrom(i) : undefined;
    },
    createJob(tx: Transaction, j: Job): Transaction {
      return tx.create('processing', jobItem(j), 'pk');
    },
    saveJob(tx: Transaction, j: Job, previousVersion: number): Transaction {
      return tx.putVersioned('processing', jobItem(j), previousVersion);
    },
    listJobs(
      by: { operatorOrg: string } | { all: true } | { checks: true },
      q: { status?: JobStatus | undefined; limit: number; cursor?: string | undefined },
    ): Promise<Page<Job>> {
      const [index, attr, value, sortAttr] =
        'operatorOrg' in by
          ? ['byOperator', 'operatorOrg', by.operatorOrg, 'createdSort']
          : 'checks' in by
            ? ['byCheck', 'checkKey', 'pending', 'checkSort']
            : ['byPublic', 'publicKey', 'job', 'createdSort'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: { status: q.status },
        keyAttrs: ['pk', 'sk', attr, sortAttr],
        limit: q.limit,
        cursor: q.cursor,
        map: jobFrom,
      });
    },
    /** Pending manual output checks due by `now` and not flagged overdue yet (the sweep's index). */
    async checksDue(now: Date, max = 500): Promise<Job[]> {
      const items = await queryAll(
        deps,
        {
          TableName: table,
          IndexName: 'byCheckDue',
          KeyConditionExpression: 'checkDueKey = :k AND checkSort <= :bound',
          ExpressionAttributeValues: { ':k': 'due', ':bound': `${now.toISOString()}#~` },
        },
        max,
      );
      return items.map(jobFrom);
    },
    /** Queued and running jobs under one grant (suspension stops them). */
    async activeJobsOfGrant(grantId: string): Promise<Job[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byGrant',
        KeyConditionExpression: 'jobGrant = :g',
        FilterExpression: '#s IN (:q, :r)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':g': grantId, ':q': 'queued', ':r': 'running' },
      });
      return items.map(jobFrom);
    },

    /** Every job under one grant submitted in [from, to) (the evaluation cycle's data-use evidence). */
    async jobsOfGrantBetween(grantId: string, from: string, to: string): Promise<Job[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byGrant',
        KeyConditionExpression: 'jobGrant = :g AND createdSort BETWEEN :f AND :t',
        ExpressionAttributeValues: { ':g': grantId, ':f': from, ':t': to },
      });
      return items.filter((i) => String(i.pk).startsWith('JOB#')).map(jobFrom);
    },

    /**
     * Uses of data that are not jobs, for the evaluation's data-use criterion (Art. 13, 16): each call of
     * a verification product and each job attempt the query checker refused as outside the scope.
     */
    recordUse(tx: Transaction, u: UseRecord): Transaction {
      return tx.create(
        'processing',
        // `operatorOrg` is kept as `useOperator`: the by-operator index lists jobs only.
        (({ operatorOrg, ...rest }) => ({
          pk: `USE#${u.id}`,
          sk: 'USE',
          ...rest,
          useOperator: operatorOrg,
          jobGrant: u.grantId,
          createdSort: `${u.at}#${u.id}`,
        }))(u),
        'pk',
      );
    },
    async usesOfGrantBetween(grantId: string, from: string, to: string): Promise<UseRecord[]> {
      const items = await queryAll(deps, {
        TableName: table,
        IndexName: 'byGrant',
        KeyConditionExpression: 'jobGrant = :g AND createdSort BETWEEN :f AND :t',
        ExpressionAttributeValues: { ':g': grantId, ':f': from, ':t': to },
      });
      return items
        .filter((i) => String(i.pk).startsWith('USE#'))
        .map(({ useOperator, ...i }) => ({
          ...strip<Omit<UseRecord, 'operatorOrg'>>(i, ['pk', 'sk', 'jobGrant', 'createdSort']),
          operatorOrg: String(useOperator),
        }));
    },

    // Verifications -------------------------------------------------------------------------------
    async getVerification(id: string): Promise<Verification | undefined> {
      const i = await get(`VERIFY#${id}`, 'VERIFY', false);
      return i ? strip<Verification>(i, ['pk', 'sk', 'operatorKey', 'createdSort']) : undefined;
    },
    createVerification(tx: Transaction, v: Verification): Transaction {
      return tx.create('processing', { pk: `VERIFY#${v.id}`, sk: 'VERIFY', ...v }, 'pk');
    },
    /**
     * Counts one call in the caller's current minute for a product; over `limit` it is a 429 and the
     * transaction (call audit, usage event) does not commit.
     */
    countCall(
      tx: Transaction,
      verificationId: string,
      callerOrg: string,
      minute: string,
      limit: number,
      ttl: number,
    ): Transaction {
      return tx.update(
        'processing',
        { pk: `RATE#${verificationId}#${callerOrg}`, sk: minute },
        {
          expression: 'ADD #n :one SET #t = :ttl',
          condition: 'attribute_not_exists(#n) OR #n < :limit',
          names: { '#n': 'calls', '#t': 'ttl' },
          values: { ':one': 1, ':limit': limit, ':ttl': ttl },
        },
        () => new TooManyRequestsError(`At most ${limit} calls a minute`),
      );
    },
  };
};
export type ProcessingRepository = ReturnType<typeof processingRepository>;
