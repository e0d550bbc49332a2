import { createHash } from 'node:crypto';
import { ResourceUsed } from '../../events/metering.js';
import { JobQueued, OutputCheckRequested } from '../../events/processing.js';
import { catalogRepository } from '../catalog/repository.js';
import type { Demand, Entitlement } from '../entitlements/domain.js';
import { entitlementsRepository } from '../entitlements/repository.js';
import type { Principal } from '../shared/auth.js';
import type { Deps } from '../shared/deps.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../shared/errors.js';
import { caller, pageReply, type RouteTable, route } from '../shared/http.js';
import { newId } from '../shared/ids.js';
import { Transaction } from '../shared/store.js';
import {
  answerOf,
  bindParameters,
  canSeeJob,
  checkHeader,
  checkParquetSchema,
  checkQuestion,
  checkUploader,
  checkUploadSize,
  columnsOf,
  type Dataset,
  type DatasetFormat,
  type DatasetUpload,
  decideOutputCheck,
  effectiveEntitlements,
  jobAudit,
  jobView,
  type Limits,
  newJob,
  type PhysicalColumn,
  publicJobView,
  scopesOf,
  type Verification,
  verificationAudit,
  verificationSql,
  verificationView,
} from './domain.js';
import { processingRepository } from './repository.js';
import {
  CreateUpload,
  CreateVerification,
  EntryParam,
  JobId,
  ListJobsQuery,
  OutputDecision,
  PublicJobsQuery,
  SubmitJob,
  UploadId,
  VerificationCall,
  VerificationId,
} from './schemas.js';
import type { ProcessingServices } from './services.js';
import { checkQuery, scopedSql, type TableScope } from './sql.js';

export const jobResource = (id: string) => `job/${id}`;
export const datasetResource = (entryId: string) => `dataset/${entryId}`;
export const verificationResource = (id: string) => `verification/${id}`;

const UPLOAD_URL_SECONDS = 15 * 60;
const DOWNLOAD_URL_SECONDS = 5 * 60;
const HEADER_BYTES = 64 * 1024;
const CONTENT_TYPES: Readonly<Record<DatasetFormat, string>> = {
  csv: 'text/csv',
  parquet: 'application/vnd.apache.parquet',
};

/** The demand (scenario) and every entitlement of the operator to its entries. */
export const scenarioOf = async (
  deps: Deps,
  demandId: string,
  operatorOrg: string,
): Promise<{ demand: Demand | undefined; entitlements: Entitlement[] }> => {
  const ents = entitlementsRepository(deps);
  const demand = await ents.getDemand(demandId, true);
  if (!demand || demand.operatorOrg !== operatorOrg) return { demand, entitlements: [] };
  const all = await Promise.all(demand.entries.map((e) => ents.entitlementsTo(operatorOrg, e.entryId)));
  return { demand, entitlements: all.flat() };
};

export const physicalName = (d: Dataset) => d.physical;

const loadJob = async (deps: Deps, id: string, p: Principal) => {
  const j = await processingRepository(deps).getJob(id);
  if (!j) throw new NotFoundError('Job');
  if (!canSeeJob(j, p)) throw new ForbiddenError('This job belongs to another operator');
  return j;
};

/** The processing duty's HTTP routes (Art. 16-18), keyed by the operationIds of infra/system/processing.ts. */
export const processingRoutes = (services: ProcessingServices, limits: Limits): RouteTable => ({
  createDatasetUpload: route({
    body: CreateUpload,
    idempotent: true,
    async handle(ctx) {
      const p = caller(ctx);
      const entry = checkUploader(await catalogRepository(ctx.deps).get(ctx.body.entryId), p);
      checkUploadSize(ctx.body.bytes, limits);
      const id = newId('up', ctx.now);
      const expiresAt = new Date(ctx.now.getTime() + UPLOAD_URL_SECONDS * 1000);
      const upload: DatasetUpload = {
        id,
        entryId: entry.id,
        providerOrg: p.org,
        format: ctx.body.format,
        bytes: ctx.body.bytes,
        sha256: ctx.body.sha256,
        key: `datasets/${entry.id}/${id}/data.${ctx.body.format}`,
        status: 'pending',
        createdBy: p.userId,
        createdAt: ctx.now.toISOString(),
        expiresAt: expiresAt.toISOString(),
      };
      const target = await services.storage.uploadTarget(upload.key, {
        bytes: upload.bytes,
        sha256: upload.sha256,
        expiresAt,
        contentType: CONTENT_TYPES[upload.format],
      });
      const body = { ...upload, upload: target };
      await processingRepository(ctx.deps)
        .createUpload(ctx.tx(), upload)
        .audit({
          action: 'dataset.upload-create',
          resource: datasetResource(entry.id),
          before: null,
          after: { uploadId: id, bytes: upload.bytes, sha256: upload.sha256 },
        })
        .commit({ status: 201, body });
      return { status: 201, body };
    },
  }),

  completeDatasetUpload: route({
    params: UploadId,
    async handle(ctx) {
      const p = caller(ctx);
      const repo = processingRepository(ctx.deps);
      const upload = await repo.getUpload(ctx.params.id);
      if (!upload) throw new NotFoundError('Upload');
      if (upload.providerOrg !== p.org) throw new ForbiddenError('This upload belongs to another provider');
      const entry = checkUploader(await catalogRepository(ctx.deps).get(upload.entryId), p);
      const stored = await services.storage.stat(upload.key);
      if (!stored)
        throw new ValidationError('Nothing was uploaded yet', [
          { path: 'file', message: 'PUT the file to the upload URL first' },
        ]);
      if (stored.bytes !== upload.bytes)
        throw new ValidationError('The uploaded file’s size differs from the declared one', [
          { path: 'file', message: `Declared ${upload.bytes}, received ${stored.bytes}` },
        ]);
      if (stored.sha256 !== upload.sha256)
        throw new ValidationError('The uploaded file’s SHA-256 differs from the declared one', [
          { path: 'file', message: 'Checksum mismatch' },
        ]);
      const columns = columnsOf(entry);
      // The file's schema is the entry's data items: a CSV's header, a Parquet file's typed columns.
      const format = upload.format;
      let schema: PhysicalColumn[] | undefined;
      if (format === 'parquet') {
        schema = await services.engine.describe(upload.key).catch((e: unknown) => {
          throw new ValidationError('The file is not a readable Parquet file', [
            { path: 'file', message: (e as Error).message.slice(0, 300) },
          ]);
        });
        checkParquetSchema(schema, columns);
      } else checkHeader(await services.storage.head(upload.key, HEADER_BYTES), columns);
      const current = await repo.currentDataset(upload.entryId);
      const version = (current?.version ?? 0) + 1;
      const table = await services.engine.register({
        entryId: upload.entryId,
        version,
        key: upload.key,
        columns: columns.length,
        format,
        ...(schema ? { schema } : {}),
      });
      const dataset: Dataset = {
        entryId: upload.entryId,
        version,
        providerOrg: p.org,
        uploadId: upload.id,
        format,
        key: upload.key,
        physical: table.physical,
        bytes: stored.bytes,
        sha256: upload.sha256,
        columns,
        catalogRevision: entry.published?.revision ?? 0,
        registeredAt: ctx.now.toISOString(),
        registeredBy: p.userId,
      };
      await repo
        .registerDataset(
          ctx.tx(),
          upload,
          dataset,
          current?.version,
          Math.floor(ctx.now.getTime() / 1000) + 90 * 86_400,
        )
        .audit({
          action: 'dataset.register',
          resource: datasetResource(upload.entryId),
          before: current ? { version: current.version, sha256: current.sha256 } : null,
          after: { version, format, sha256: dataset.sha256, bytes: dataset.bytes, uploadId: upload.id },
        })
        .commit();
      return { status: 201, body: datasetView(dataset) };
    },
  }),

  listDatasetVersions: route({
    params: EntryParam,
    async handle(ctx) {
      const p = caller(ctx);
      const entry = await catalogRepository(ctx.deps).get(ctx.params.entryId);
      if (!entry) throw new NotFoundError('Catalog entry');
      if (p.role === 'provider' && entry.providerOrg !== p.org) throw new ForbiddenError('Not your entry');
      const versions = await processingRepository(ctx.deps).datasetVersions(entry.id);
      return { status: 200, body: { items: versions.map(datasetView) } };
    },
  }),

  submitJob: route({
    body: SubmitJob,
    idempotent: true,
    async handle(ctx) {
      const p = caller(ctx);
      const found = await scenarioOf(ctx.deps, ctx.body.demandId, p.org);
      const { demand, entitlements } = effectiveEntitlements(found.demand, found.entitlements, p, ctx.now);
      const datasets = await processingRepository(ctx.deps).currentDatasets(
        entitlements.map((e) => e.entryId),
      );
      // Every entitled entry is a table name, even one without data yet (clear 409 rather than 403).
      const scopes: TableScope[] = entitlements.map((e) => {
        const d = datasets.get(e.entryId);
        return (
          scopesOf(demand, [e], datasets)[0] ?? {
            name: e.entryId,
            items: d?.columns ?? [],
            fields: demand.scenario.dataFields,
            personalInformationAllowed: false,
          }
        );
      });
      let checked: ReturnType<typeof checkQuery>;
      try {
        checked = checkQuery(ctx.body.sql, scopes);
      } catch (e) {
        // Art. 13, 16: a query reaching outside the entitlement's scope is refused and recorded, as
        // evidence for the evaluation's data-use criterion (a syntax error is not an attempt on data).
        const grantId = entitlements[0]?.grantId;
        if (e instanceof ForbiddenError && grantId) {
          const id = newId('ua', ctx.now);
          await processingRepository(ctx.deps)
            .recordUse(new Transaction(ctx.deps, { principal: p, requestId: ctx.requestId, now: ctx.now }), {
              id,
              kind: 'refused-attempt',
              grantId,
              operatorOrg: p.org,
              demandId: demand.id,
              scenarioTitle: demand.scenario.title,
              entitlementIds: entitlements.map((x) => x.id),
              at: ctx.now.toISOString(),
              subject: e.message,
            })
            .audit({
              action: 'job.refused',
              resource: `data-demand/${demand.id}`,
              after: { useId: id, reason: e.message },
            })
            .commit();
        }
        throw e;
      }
      const job = newJob({
        id: newId('jb', ctx.now),
        principal: p,
        demand,
        entitlements,
        checked,
        datasets,
        sql: ctx.body.sql,
        outputKind: ctx.body.outputKind,
        purpose: ctx.body.purpose,
        now: ctx.now,
      });
      const body = jobView(job);
      await processingRepository(ctx.deps)
        .createJob(ctx.tx(), job)
        .audit({ action: 'job.submit', resource: jobResource(job.id), before: null, after: jobAudit(job) })
        .publish(
          JobQueued.make({
            jobId: job.id,
            operatorOrg: job.operatorOrg,
            grantId: job.grantId,
            at: ctx.now.toISOString(),
          }),
        )
        .commit({ status: 202, body });
      return { status: 202, body, headers: { location: `/jobs/${job.id}` } };
    },
  }),

  listJobs: route({
    query: ListJobsQuery,
    async handle(ctx) {
      const p = caller(ctx);
      const by = p.role === 'operator' ? { operatorOrg: p.org } : ({ all: true } as const);
      const page = await processingRepository(ctx.deps).listJobs(by, ctx.query);
      return pageReply(page, jobView);
    },
  }),

  getJob: route({
    params: JobId,
    async handle(ctx) {
      const j = await loadJob(ctx.deps, ctx.params.id, caller(ctx));
      return { status: 200, body: jobView(j), headers: { etag: `"${j.version}"` } };
    },
  }),

  getJobOutput: route({
    params: JobId,
    async handle(ctx) {
      const p = caller(ctx);
      const j = await loadJob(ctx.deps, ctx.params.id, p);
      // The released output goes to its operator only; the authority reads it through the check.
      if (p.role === 'operator' && j.operatorOrg !== p.org) throw new ForbiddenError('Not your job');
      if (j.status !== 'released' || !j.output)
        throw new ForbiddenError(`The output is not released (the job is ${j.status})`);
      const expiresAt = new Date(ctx.now.getTime() + DOWNLOAD_URL_SECONDS * 1000);
      const url = await services.storage.downloadUrl(j.output.key, expiresAt);
      return {
        status: 200,
        body: { url, expiresAt: expiresAt.toISOString(), rows: j.output.rows, columns: j.output.columns },
      };
    },
  }),

  listOutputChecks: route({
    query: ListJobsQuery,
    async handle(ctx) {
      const page = await processingRepository(ctx.deps).listJobs(
        { checks: true },
        { ...ctx.query, status: 'output-check' },
      );
      return pageReply(page, jobView);
    },
  }),

  decideOutputCheck: route({
    params: JobId,
    body: OutputDecision,
    async handle(ctx) {
      const p = caller(ctx);
      const before = await loadJob(ctx.deps, ctx.params.id, p);
      const after = decideOutputCheck(before, p, ctx.body, ctx.now);
      await processingRepository(ctx.deps)
        .saveJob(ctx.tx(), after, before.version)
        .audit({
          action: `job.output-${ctx.body.decision}`,
          resource: jobResource(after.id),
          before: jobAudit(before),
          after: jobAudit(after),
        })
        .commit();
      return { status: 200, body: jobView(after) };
    },
  }),

  publicProcessingRecord: route({
    query: PublicJobsQuery,
    async handle(ctx) {
      const by = ctx.query.operator ? { operatorOrg: ctx.query.operator } : ({ all: true } as const);
      const page = await processingRepository(ctx.deps).listJobs(by, ctx.query);
      return pageReply(page, publicJobView);
    },
  }),

  createVerification: route({
    body: CreateVerification,
    idempotent: true,
    async handle(ctx) {
      const p = caller(ctx);
      const found = await scenarioOf(ctx.deps, ctx.body.demandId, p.org);
      const { demand, entitlements } = effectiveEntitlements(found.demand, found.entitlements, p, ctx.now);
      const ent = entitlements.find((e) => e.entryId === ctx.body.entryId);
      if (!ent) throw new ForbiddenError('The scenario has no entitlement in effect to this entry');
      const datasets = await processingRepository(ctx.deps).currentDatasets([ent.entryId]);
      const scope = scopesOf(demand, [ent], datasets)[0];
      if (!scope)
        throw new ValidationError('No dataset is registered for this entry yet', [
          { path: 'body.entryId', message: 'Upload pending' },
        ]);
      checkQuestion(ctx.body.predicates, scope);
      const v: Verification = {
        id: newId('vf', ctx.now),
        operatorOrg: p.org,
        demandId: demand.id,
        entitlementId: ent.id,
        entryId: ent.entryId,
        title: ctx.body.title,
        question: ctx.body.question,
        predicates: ctx.body.predicates,
        ...(ctx.body.productId ? { productId: ctx.body.productId } : {}),
        status: 'active',
        createdBy: p.userId,
        createdAt: ctx.now.toISOString(),
        version: 1,
      };
      const body = verificationView(v);
      await processingRepository(ctx.deps)
        .createVerification(ctx.tx(), v)
        .audit({
          action: 'verification.publish',
          resource: verificationResource(v.id),
          before: null,
          after: verificationAudit(v),
        })
        .commit({ status: 201, body });
      return { status: 201, body, headers: { location: `/verifications/${v.id}` } };
    },
  }),

  getVerification: route({
    params: VerificationId,
    async handle(ctx) {
      const v = await processingRepository(ctx.deps).getVerification(ctx.params.id);
      if (!v) throw new NotFoundError('Verification');
      return {
        status: 200,
        body: {
          id: v.id,
          title: v.title,
          question: v.question,
          parameters: v.predicates.map((x) => x.parameter),
          operatorOrg: v.operatorOrg,
          productId: v.productId ?? null,
          status: v.status,
        },
      };
    },
  }),

  callVerification: route({
    params: VerificationId,
    body: VerificationCall,
    async handle(ctx) {
      const p = caller(ctx);
      const repo = processingRepository(ctx.deps);
      const v = await repo.getVerification(ctx.params.id);
      if (v?.status !== 'active') throw new NotFoundError('Verification');
      const values = bindParameters(v, ctx.body.parameters);
      // The operator's entitlement must still be in effect (Art. 14: suspension stops the product too).
      const found = await scenarioOf(ctx.deps, v.demandId, v.operatorOrg);
      const owner: Principal = {
        userId: 'verification',
        role: 'operator',
        roles: ['operator'],
        org: v.operatorOrg,
      };
      const { demand, entitlements } = effectiveEntitlements(
        found.demand,
        found.entitlements,
        owner,
        ctx.now,
      );
      const ent = entitlements.find((e) => e.id === v.entitlementId);
      if (!ent) throw new ForbiddenError('The verification’s entitlement is not in effect');
      const datasets = await repo.currentDatasets([v.entryId]);
      const d = datasets.get(v.entryId);
      const scope = scopesOf(demand, [ent], datasets)[0];
      if (!d || !scope) throw new NotFoundError('Dataset');
      // Personal information is compared inside the engine, never returned: the scope exposes it here only.
      const inner = { ...scope, personalInformationAllowed: true };
      const sql = scopedSql(verificationSql(v), [inner], () => d.physical);
      const started = performance.now();
      const result = await services.engine.run({
        id: `${v.id}-${ctx.requestId}`,
        sql,
        tables: [d.physical],
        maxRows: 1,
        params: values,
      });
      const answer = answerOf(result.rows);
      const minute = ctx.now.toISOString().slice(0, 16);
      // Art. 13, 16: the call is a use of data under the entitlement (the data-use criterion).
      const use = {
        id: `${v.id}-${ctx.requestId}`,
        kind: 'verification-call' as const,
        grantId: ent.grantId,
        operatorOrg: v.operatorOrg,
        demandId: v.demandId,
        scenarioTitle: demand.scenario.title,
        entitlementIds: [ent.id],
        at: ctx.now.toISOString(),
        subject: `verification/${v.id}`,
      };
      await repo
        .countCall(
          repo.recordUse(ctx.tx(), use),
          v.id,
          p.org,
          minute,
          limits.verificationCallsPerMinute,
          Math.floor(ctx.now.getTime() / 1000) + 3600,
        )
        .audit({
          action: 'verification.call',
          resource: verificationResource(v.id),
          before: null,
          // The parameters may be personal information: the audit keeps their digest, not their values.
          after: {
            caller: p.org,
            parameters: createHash('sha256').update(JSON.stringify(values)).digest('hex'),
            runtimeMs: Math.round(performance.now() - started),
          },
        })
        .publish(
          ResourceUsed.make({
            usageId: `verification/${v.id}/call/${ctx.requestId}`,
            operatorOrg: v.operatorOrg,
            resource: 'verification-call',
            unit: 'call',
            quantity: 1,
            at: ctx.now.toISOString(),
            subject: `verification/${v.id}`,
            grantId: ent.grantId,
            entitlementId: ent.id,
          }),
        )
        .commit();
      // One bit: nothing else of the result leaves.
      return { status: 200, body: { answer } };
    },
  }),
});

export const datasetView = (d: Dataset) => ({
  entryId: d.entryId,
  version: d.version,
  format: d.format ?? 'csv',
  bytes: d.bytes,
  sha256: d.sha256,
  columns: d.columns,
  catalogRevision: d.catalogRevision,
  registeredAt: d.registeredAt,
  uploadId: d.uploadId,
});

/** Sent with OutputCheckRequested and ResourceUsed by the runner (workers.ts). */
export { OutputCheckRequested, ResourceUsed };
