/**
 * Processing on the platform (Art. 16-18) as plain rules: no AWS, no I/O.
 *
 * Providers upload the data behind their approved catalog entries (datasets, versioned, checksummed);
 * operators run checked SELECT jobs over the entries of an entitled scenario; outputs are checked
 * (small cells, row-level data, size) before release; what fails goes to the authority for a manual
 * output check; operators may also publish verification products (数据核验) that answer one bit.
 */
import type { CatalogEntry } from '../catalog/domain.js';
import { isAuthorizable } from '../catalog/domain.js';
import type { Demand, Entitlement } from '../entitlements/domain.js';
import { isEffective } from '../entitlements/domain.js';
import type { Principal } from '../shared/auth.js';
import { ConflictError, ForbiddenError, ValidationError } from '../shared/errors.js';
import type { CheckedQuery, TableScope } from './sql.js';

// ---------------------------------------------------------------------------------------------------
// Limits (per stage; the defaults hold unless the stage's configuration says otherwise)

export interface Limits {
  /** Art. 18 / output control: a count below this is withheld (small-cell suppression). */
  readonly smallCellThreshold: number;
  /** Most rows an output may have. */
  readonly maxOutputRows: number;
  /** Largest dataset upload, bytes. */
  readonly maxDatasetBytes: number;
  /** Days the authority has for a manual output check. */
  readonly outputCheckDays: number;
  /** Verification calls per caller organisation and product per minute. */
  readonly verificationCallsPerMinute: number;
}

export const DEFAULT_LIMITS: Limits = {
  smallCellThreshold: 10,
  maxOutputRows: 10_000,
  maxDatasetBytes: 512 * 1024 * 1024,
  outputCheckDays: 5,
  verificationCallsPerMinute: 60,
};

// ---------------------------------------------------------------------------------------------------
// Datasets

export interface DataColumn {
  readonly name: string;
  readonly type: string;
  readonly personalInformation: boolean;
}

/** How a dataset is uploaded: CSV (header = the data items, all text) or Parquet (typed columns). */
export const DATASET_FORMATS = ['csv', 'parquet'] as const;
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** A column of an uploaded file as the engine reads it (DuckDB type names: VARCHAR, BIGINT, DECIMAL(18,2)…). */
export interface PhysicalColumn {
  readonly name: string;
  readonly type: string;
}

export interface DatasetUpload {
  readonly id: string;
  readonly entryId: string;
  readonly providerOrg: string;
  readonly format: DatasetFormat;
  readonly bytes: number;
  readonly sha256: string;
  readonly key: string;
  readonly status: 'pending' | 'registered';
  readonly version?: number;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface Dataset {
  readonly entryId: string;
  readonly version: number;
  readonly providerOrg: string;
  readonly uploadId: string;
  /** Absent on versions registered before Parquet was accepted: CSV. */
  readonly format?: DatasetFormat;
  readonly key: string;
  readonly physical: string;
  readonly bytes: number;
  readonly sha256: string;
  /** The entry's data items at registration, in column order (c1..cN). */
  readonly columns: readonly DataColumn[];
  /** The catalog revision whose data items the header matched. */
  readonly catalogRevision: number;
  readonly registeredAt: string;
  readonly registeredBy: string;
}

/** Art. 6-7: a providing unit uploads only the data behind its own approved, authorizable entry. */
export const checkUploader = (entry: CatalogEntry | undefined, p: Principal): CatalogEntry => {
  if (!entry) throw new ForbiddenError('Not a catalog entry of your organisation');
  if (entry.providerOrg !== p.org)
    throw new ForbiddenError('Only the providing unit uploads an entry’s data');
  if (!entry.published || !isAuthorizable(entry))
    throw new ConflictError(
      'The entry is not approved for authorization: no data is uploaded for it',
      'entry_not_authorizable',
    );
  return entry;
};

export const checkUploadSize = (bytes: number, limits: Limits): void => {
  if (bytes > limits.maxDatasetBytes)
    throw new ValidationError('The dataset is too large', [
      { path: 'body.bytes', message: `At most ${limits.maxDatasetBytes} bytes` },
    ]);
};

/** Splits one CSV line (RFC 4180 quoting). */
export const csvFields = (line: string): string[] => {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((f) => f.trim());
};

/** The CSV header must name the entry's data items, in order (the dataset's schema is the entry's). */
export const checkHeader = (head: Buffer, columns: readonly DataColumn[]): void => {
  const text = head.toString('utf8').replace(/^\uFEFF/, '');
  const nl = text.search(/\r?\n/);
  if (nl < 0)
    throw new ValidationError('The file has no header line', [
      { path: 'file', message: 'CSV with a header' },
    ]);
  const found = csvFields(text.slice(0, nl));
  const expected = columns.map((c) => c.name);
  if (found.length !== expected.length || found.some((f, i) => f !== expected[i]))
    throw new ValidationError('The CSV header does not match the entry’s data items', [
      { path: 'file.header', message: `Expected ${expected.join(',')}; found ${found.join(',')}` },
    ]);
};

/**
 * The physical types a data item's type accepts in a Parquet file (DuckDB's names for what it reads).
 * A decimal item accepts exact decimals and floating point; an integer item any integer width.
 */
const ACCEPTED_TYPES: Readonly<Record<string, RegExp>> = {
  string: /^VARCHAR$/,
  integer: /^U?(TINYINT|SMALLINT|INTEGER|BIGINT)$|^HUGEINT$/,
  decimal: /^DECIMAL\(\d+,\s*\d+\)$|^(DOUBLE|FLOAT)$/,
  boolean: /^BOOLEAN$/,
  date: /^DATE$/,
  datetime: /^TIMESTAMP(_S|_MS|_NS| WITH TIME ZONE)?$/,
  geo: /^(VARCHAR|BLOB)$/,
  binary: /^BLOB$/,
};

export const acceptsType = (itemType: string, physical: string): boolean =>
  (ACCEPTED_TYPES[itemType] ?? /^VARCHAR$/).test(physical.toUpperCase());

/**
 * A Parquet file's schema must be the entry's data items, as a CSV header must: the same names in the
 * same order (engines read columns by position, c1..cN), each of a type its data item accepts. Every
 * missing, extra, misplaced or mistyped column is its own field-level detail.
 */
export const checkParquetSchema = (
  found: readonly PhysicalColumn[],
  columns: readonly DataColumn[],
): void => {
  const issues: { path: string; message: string }[] = [];
  const expected = columns.map((c) => c.name);
  for (const c of columns)
    if (!found.some((f) => f.name === c.name))
      issues.push({ path: `file.schema.${c.name}`, message: `Missing column (data item of type ${c.type})` });
  for (const f of found)
    if (!expected.includes(f.name))
      issues.push({ path: `file.schema.${f.name}`, message: 'Not a data item of the entry' });
  if (!issues.length && found.some((f, i) => f.name !== expected[i]))
    issues.push({
      path: 'file.schema',
      message: `Columns in the entry’s order: ${expected.join(',')}; found ${found.map((f) => f.name).join(',')}`,
    });
  for (const c of columns) {
    const f = found.find((x) => x.name === c.name);
    if (f && !acceptsType(c.type, f.type))
      issues.push({ path: `file.schema.${c.name}`, message: `Expected a ${c.type} column, found ${f.type}` });
  }
  if (issues.length)
    throw new ValidationError('The Parquet schema does not match the entry’s data items', issues);
};

export const columnsOf = (entry: CatalogEntry): DataColumn[] =>
  (entry.published?.content.dataItems ?? []).map((d) => ({
    name: d.name,
    type: d.type,
    personalInformation: d.personalInformation,
  }));

// ---------------------------------------------------------------------------------------------------
// Jobs

export type JobStatus =
  | 'queued'
  | 'running'
  | 'released'
  | 'output-check'
  | 'rejected'
  | 'failed'
  | 'stopped';
export const ACTIVE_JOB: readonly JobStatus[] = ['queued', 'running'];

export interface OutputCheck {
  readonly reasons: readonly string[];
  readonly dueAt: string;
  readonly decision?: 'approve' | 'reject';
  readonly decisionReason?: string;
  readonly decidedBy?: string;
  readonly decidedAt?: string;
  /** Set once by the deadline sweep when the check was still undecided at `dueAt`. */
  readonly overdueAt?: string;
}

export interface JobOutput {
  readonly key: string;
  readonly columns: readonly string[];
  readonly rows: number;
  readonly suppressedCells: number;
}

export interface Usage {
  readonly bytesScanned: number;
  readonly rowsOut: number;
  readonly runtimeMs: number;
}

export interface Job {
  readonly id: string;
  readonly status: JobStatus;
  readonly operatorOrg: string;
  readonly demandId: string;
  readonly grantId: string;
  readonly scenarioTitle: string;
  readonly entitlementIds: readonly string[];
  /** Entries read, with the dataset version each job ran on. */
  readonly tables: readonly { readonly entryId: string; readonly version: number }[];
  readonly sql: string;
  readonly outputKind: 'aggregate' | 'rows';
  readonly purpose: string;
  readonly submittedBy: string;
  readonly createdAt: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly usage?: Usage;
  readonly output?: JobOutput;
  readonly check?: OutputCheck;
  readonly error?: string;
  readonly stoppedReason?: string;
  readonly version: number;
  readonly updatedAt: string;
}

/** The entitlements of a scenario that are in effect now, or a 403 (Art. 16, 14: suspended = no use). */
export const effectiveEntitlements = (
  demand: Demand | undefined,
  entitlements: readonly Entitlement[],
  p: Principal,
  now: Date,
): { demand: Demand; entitlements: Entitlement[] } => {
  if (!demand || demand.operatorOrg !== p.org)
    throw new ForbiddenError('The scenario is not one of your organisation’s data demands');
  if (demand.status !== 'approved')
    throw new ForbiddenError('The data demand is not approved: nothing is entitled');
  const mine = entitlements.filter(
    (e) => e.demandId === demand.id && e.operatorOrg === p.org && isEffective(e, now),
  );
  if (!mine.length)
    throw new ForbiddenError(
      'No entitlement of this scenario is in effect (suspended, ended or not yet valid)',
    );
  return { demand, entitlements: mine };
};

/** The tables a scenario's job may read: one per effective entitlement with a registered dataset. */
export const scopesOf = (
  demand: Demand,
  entitlements: readonly Entitlement[],
  datasets: ReadonlyMap<string, Dataset>,
): TableScope[] =>
  entitlements.flatMap((e) => {
    const d = datasets.get(e.entryId);
    if (!d) return [];
    return [
      {
        name: e.entryId,
        items: d.columns,
        fields: demand.scenario.dataFields,
        // No entitlement allows raw personal information today: a future flag on the entitlement would.
        personalInformationAllowed: false,
      },
    ];
  });

export const newJob = (a: {
  id: string;
  principal: Principal;
  demand: Demand;
  entitlements: readonly Entitlement[];
  checked: CheckedQuery;
  datasets: ReadonlyMap<string, Dataset>;
  sql: string;
  outputKind: 'aggregate' | 'rows';
  purpose: string;
  now: Date;
}): Job => {
  if (a.outputKind === 'aggregate' && !a.checked.aggregate)
    throw new ValidationError('The query returns rows, not aggregates', [
      {
        path: 'body.outputKind',
        message: 'Declare outputKind "rows" or aggregate the query (GROUP BY, COUNT…)',
      },
    ]);
  const missing = a.checked.tables.filter((t) => !a.datasets.has(t));
  if (missing.length)
    throw new ConflictError(`No dataset is registered for ${missing.join(', ')}`, 'dataset_not_available', {
      entries: missing,
    });
  const at = a.now.toISOString();
  const used = a.entitlements.filter((e) => a.checked.tables.includes(e.entryId));
  return {
    id: a.id,
    status: 'queued',
    operatorOrg: a.principal.org,
    demandId: a.demand.id,
    grantId: a.demand.grantId,
    scenarioTitle: a.demand.scenario.title,
    entitlementIds: used.map((e) => e.id),
    tables: a.checked.tables.map((t) => ({ entryId: t, version: a.datasets.get(t)?.version ?? 0 })),
    sql: a.sql,
    outputKind: a.outputKind,
    purpose: a.purpose,
    submittedBy: a.principal.userId,
    createdAt: at,
    version: 1,
    updatedAt: at,
  };
};

const bump = (j: Job, now: Date, patch: Partial<Job>): Job => ({
  ...j,
  ...patch,
  version: j.version + 1,
  updatedAt: now.toISOString(),
});

export const startJob = (j: Job, now: Date): Job => {
  if (j.status !== 'queued') throw new ConflictError(`The job is ${j.status}`, 'job_not_queued');
  return bump(j, now, { status: 'running', startedAt: now.toISOString() });
};

/** Art. 14: suspension or the end of the grant stops queued and running jobs; finished ones stay. */
export const stopJob = (j: Job, reason: string, now: Date): Job | undefined =>
  ACTIVE_JOB.includes(j.status)
    ? bump(j, now, { status: 'stopped', stoppedReason: reason, finishedAt: now.toISOString() })
    : undefined;

export const failJob = (j: Job, error: string, usage: Usage | undefined, now: Date): Job =>
  bump(j, now, { status: 'failed', error, finishedAt: now.toISOString(), ...(usage ? { usage } : {}) });

export interface CheckedOutput {
  readonly rows: unknown[][];
  readonly suppressedCells: number;
  /** Why the output needs a manual check; empty: it is released at once. */
  readonly reasons: string[];
}

const asNumber = (v: unknown): number | undefined => {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
};

/**
 * Output checks before release (statistical disclosure control, the Five Safes' "safe outputs"):
 * - small cells: a COUNT cell below the threshold (but above zero) is withheld (blanked);
 * - row-level outputs go to a manual check (no entitlement allows them to leave unchecked);
 * - outputs over the row limit are refused outright (the job fails: rewrite it to aggregate).
 * Anything suppressed or row-level goes to the authority's manual output check.
 */
export const checkOutput = (
  result: { columns: readonly string[]; rows: readonly (readonly unknown[])[] },
  checked: Pick<CheckedQuery, 'aggregate' | 'countColumns'>,
  limits: Limits,
): CheckedOutput => {
  if (result.rows.length > limits.maxOutputRows)
    throw new ConflictError(`The output exceeds ${limits.maxOutputRows} rows`, 'output_too_large');
  const countIdx = checked.countColumns.map((c) => result.columns.indexOf(c)).filter((i) => i >= 0);
  let suppressedCells = 0;
  const rows = result.rows.map((r) =>
    r.map((v, i) => {
      if (!countIdx.includes(i)) return v;
      const n = asNumber(v);
      if (n !== undefined && n > 0 && n < limits.smallCellThreshold) {
        suppressedCells++;
        return null;
      }
      return v;
    }),
  );
  const reasons: string[] = [];
  if (suppressedCells)
    reasons.push(
      `${suppressedCells} cell(s) counted fewer than ${limits.smallCellThreshold} and were withheld`,
    );
  if (!checked.aggregate) reasons.push('Row-level output: released only after a manual output check');
  return { rows, suppressedCells, reasons };
};

export const finishJob = (
  j: Job,
  a: { output: JobOutput; usage: Usage; reasons: readonly string[]; limits: Limits; now: Date },
): Job => {
  if (j.status !== 'running') throw new ConflictError(`The job is ${j.status}`, 'job_not_running');
  const base = { output: a.output, usage: a.usage, finishedAt: a.now.toISOString() };
  if (!a.reasons.length) return bump(j, a.now, { ...base, status: 'released' });
  const dueAt = new Date(a.now.getTime() + a.limits.outputCheckDays * 86_400_000).toISOString();
  return bump(j, a.now, { ...base, status: 'output-check', check: { reasons: [...a.reasons], dueAt } });
};

/** The authority decides a manual output check; nobody decides on their own organisation's job. */
export const decideOutputCheck = (
  j: Job,
  p: Principal,
  d: { decision: 'approve' | 'reject'; reason?: string | undefined },
  now: Date,
): Job => {
  if (j.status !== 'output-check' || !j.check)
    throw new ConflictError(`The job is ${j.status}: no output check is pending`, 'no_output_check');
  if (p.org === j.operatorOrg) throw new ForbiddenError('Nobody checks their own organisation’s output');
  if (d.decision === 'reject' && !d.reason)
    throw new ValidationError('Give the reason for a rejection', [
      { path: 'body.reason', message: 'Required' },
    ]);
  return bump(j, now, {
    status: d.decision === 'approve' ? 'released' : 'rejected',
    check: {
      ...j.check,
      decision: d.decision,
      ...(d.reason ? { decisionReason: d.reason } : {}),
      decidedBy: p.userId,
      decidedAt: now.toISOString(),
    },
  });
};

/** A manual output check still undecided at its deadline, not flagged yet. */
export const isCheckOverdue = (j: Job, now: Date): boolean =>
  j.status === 'output-check' &&
  !!j.check &&
  !j.check.decision &&
  !j.check.overdueAt &&
  Date.parse(j.check.dueAt) <= now.getTime();

/** Flags an overdue manual output check (once: a flagged check is not overdue again). */
export const markCheckOverdue = (j: Job, now: Date): Job => {
  if (!isCheckOverdue(j, now) || !j.check)
    throw new ConflictError('The output check is not overdue', 'check_not_overdue');
  return bump(j, now, { check: { ...j.check, overdueAt: now.toISOString() } });
};

export const canSeeJob = (j: Job, p: Principal): boolean =>
  p.role === 'authority' || p.role === 'regulator' || j.operatorOrg === p.org;

export const jobView = (j: Job) => ({ ...j });

/** The public record of processing (what ran, under which entitlement, when; never results). */
export const publicJobView = (j: Job) => ({
  id: j.id,
  operatorOrg: j.operatorOrg,
  scenarioTitle: j.scenarioTitle,
  demandId: j.demandId,
  grantId: j.grantId,
  entitlementIds: j.entitlementIds,
  tables: j.tables,
  sql: j.sql,
  purpose: j.purpose,
  outputKind: j.outputKind,
  status: j.status,
  submittedAt: j.createdAt,
  finishedAt: j.finishedAt ?? null,
});

export const jobAudit = (j: Job | undefined) =>
  j
    ? {
        status: j.status,
        demandId: j.demandId,
        entitlementIds: j.entitlementIds,
        sql: j.sql,
        tables: j.tables,
        output: j.output ?? null,
        check: j.check ?? null,
        usage: j.usage ?? null,
        version: j.version,
      }
    : null;

// ---------------------------------------------------------------------------------------------------
// Verification products (数据核验)

export const PREDICATE_OPS = ['=', '<>', '<', '<=', '>', '>='] as const;
export type PredicateOp = (typeof PREDICATE_OPS)[number];

export interface Predicate {
  readonly column: string;
  readonly op: PredicateOp;
  /** The call parameter compared with the column (values are bound, never spliced into SQL). */
  readonly parameter: string;
}

export interface Verification {
  readonly id: string;
  readonly operatorOrg: string;
  readonly demandId: string;
  readonly entitlementId: string;
  readonly entryId: string;
  readonly title: string;
  readonly question: string;
  readonly predicates: readonly Predicate[];
  readonly productId?: string;
  readonly status: 'active' | 'withdrawn';
  readonly createdBy: string;
  readonly createdAt: string;
  readonly version: number;
}

/**
 * A verification question answers one bit about one subject: at least one equality predicate on a
 * parameter (the caller names the subject it already knows), every column inside the scenario's fields;
 * a personal-information column only in an equality (the caller supplies the value, the platform
 * never returns it). Ranges alone would let callers bisect values, so they need an equality too.
 */
export const checkQuestion = (predicates: readonly Predicate[], scope: TableScope): void => {
  const issues: { path: string; message: string }[] = [];
  predicates.forEach((pr, i) => {
    const item = scope.items.find((it) => it.name === pr.column);
    if (!item)
      issues.push({
        path: `body.predicates.${i}.column`,
        message: `${scope.name} has no data item ${pr.column}`,
      });
    else if (!scope.fields.includes(pr.column))
      throw new ForbiddenError(`Column ${pr.column} is outside the scenario's requested fields (Art. 16)`);
    else if (item.personalInformation && pr.op !== '=')
      issues.push({
        path: `body.predicates.${i}.op`,
        message: 'A personal-information item is only compared for equality',
      });
  });
  if (!predicates.some((p) => p.op === '='))
    issues.push({
      path: 'body.predicates',
      message: 'At least one equality on a parameter: a question is about one subject',
    });
  const params = predicates.map((p) => p.parameter);
  if (new Set(params).size !== params.length)
    issues.push({ path: 'body.predicates', message: 'Each predicate has its own parameter' });
  if (issues.length) throw new ValidationError('The verification question is not allowed', issues);
};

const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;

/** `SELECT EXISTS (…) AS answer` with one `?` per predicate, in predicate order. */
export const verificationSql = (v: Pick<Verification, 'entryId' | 'predicates'>): string =>
  `SELECT EXISTS (SELECT 1 FROM ${quote(v.entryId)} WHERE ${v.predicates
    .map((p) => `${quote(p.column)} ${p.op} ?`)
    .join(' AND ')}) AS answer`;

/** The call's parameter values in predicate order; a missing or extra parameter is a 400. */
export const bindParameters = (
  v: Pick<Verification, 'predicates'>,
  given: Readonly<Record<string, string>>,
): string[] => {
  const names = v.predicates.map((p) => p.parameter);
  const issues = [
    ...names
      .filter((n) => given[n] === undefined)
      .map((n) => ({ path: `body.parameters.${n}`, message: 'Required' })),
    ...Object.keys(given)
      .filter((k) => !names.includes(k))
      .map((k) => ({ path: `body.parameters.${k}`, message: 'Not a parameter of this question' })),
  ];
  if (issues.length) throw new ValidationError('The call’s parameters do not fit the question', issues);
  return names.map((n) => given[n] as string);
};

/** Only a strict boolean leaves: whatever the engine returns, the answer is one bit. */
export const answerOf = (rows: readonly (readonly unknown[])[]): boolean => {
  const v = rows[0]?.[0];
  return v === true || v === 'true' || v === 1 || v === '1';
};

export const verificationView = (v: Verification) => ({ ...v });
export const verificationAudit = (v: Verification) => ({
  status: v.status,
  entryId: v.entryId,
  entitlementId: v.entitlementId,
  predicates: v.predicates,
  productId: v.productId ?? null,
  version: v.version,
});
