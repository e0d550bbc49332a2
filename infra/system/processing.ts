/**
 * Processing on the platform (Art. 16-18): datasets, checked jobs, output checks, released results,
 * metering, verification products and the public record of processing. Part of the one declaration
 * composed in infra/system.ts. The bucket, Glue database and Athena workgroup it uses are built by
 * infra/constructs/processing.ts (AWS) and infra/local/processing.ts (a folder and DuckDB locally).
 */
import type { DutyDecl } from './types.js';

export const processing = {
  tables: {
    // Dataset uploads and versions, jobs and their output checks, verification products, call counters.
    processing: {
      partitionKey: 'pk',
      sortKey: 'sk',
      timeToLive: 'ttl',
      indexes: {
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
        // Sparse (jobs only): the jobs a grant's suspension stops.
        byGrant: { partitionKey: 'jobGrant', sortKey: 'createdSort' },
        // Sparse (jobs only): the public record of processing.
        byPublic: { partitionKey: 'publicKey', sortKey: 'createdSort' },
        // Sparse: jobs waiting for a manual output check, by deadline.
        byCheck: { partitionKey: 'checkKey', sortKey: 'checkSort' },
        // Sparse: pending checks not yet flagged overdue, by deadline (the deadline sweep reads it).
        byCheckDue: { partitionKey: 'checkDueKey', sortKey: 'checkSort' },
      },
    },
  },
  functions: {
    processing: {
      entry: 'functions/processing/handler.ts',
      localServices: 'infra/local/processing.ts',
      description:
        'Datasets, checked jobs on Athena, output checks, released results, metering and verification products (Art. 16-18)',
      tables: {
        processing: 'write',
        catalog: 'read',
        entitlements: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      publishesEvents: true,
      memoryMb: 1024,
      timeoutSeconds: 900,
    },
  },
  routes: [
    // Datasets (Art. 6-7, 16)
    {
      method: 'POST',
      path: '/datasets/uploads',
      function: 'processing',
      auth: ['provider'],
      operationId: 'createDatasetUpload',
      summary:
        'Start uploading the data behind an approved entry: size and SHA-256 declared, a signed PUT URL returned',
    },
    {
      method: 'POST',
      path: '/datasets/uploads/{id}/complete',
      function: 'processing',
      auth: ['provider'],
      operationId: 'completeDatasetUpload',
      summary:
        'Verify the uploaded file (size, checksum, header = data items) and register it as the next version',
    },
    {
      method: 'GET',
      path: '/datasets/{entryId}',
      function: 'processing',
      auth: ['provider', 'authority', 'regulator'],
      operationId: 'listDatasetVersions',
      summary: 'The registered versions of an entry’s dataset',
    },
    // Jobs (Art. 16-18)
    {
      method: 'POST',
      path: '/jobs',
      function: 'processing',
      auth: ['operator'],
      operationId: 'submitJob',
      summary: 'Submit SQL under an entitled scenario: checked before it runs, then run asynchronously',
    },
    {
      method: 'GET',
      path: '/jobs',
      function: 'processing',
      auth: ['operator', 'authority', 'regulator'],
      operationId: 'listJobs',
      summary: 'Jobs (operator: its own; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/jobs/{id}',
      function: 'processing',
      auth: ['operator', 'authority', 'regulator'],
      operationId: 'getJob',
      summary: 'A job with its status, usage and output check',
    },
    {
      method: 'GET',
      path: '/jobs/{id}/output',
      function: 'processing',
      auth: ['operator'],
      operationId: 'getJobOutput',
      summary: 'A short-lived signed link to a released output',
    },
    {
      method: 'GET',
      path: '/output-checks',
      function: 'processing',
      auth: ['authority', 'regulator'],
      operationId: 'listOutputChecks',
      summary: 'Outputs waiting for a manual output check, with their reasons and deadline',
    },
    {
      method: 'POST',
      path: '/jobs/{id}/output-check',
      function: 'processing',
      auth: ['authority'],
      operationId: 'decideOutputCheck',
      summary: 'Approve (release) or reject, with reasons, an output held for a manual check',
    },
    {
      method: 'GET',
      path: '/public/processing',
      function: 'processing',
      auth: 'public',
      operationId: 'publicProcessingRecord',
      summary:
        'The public record of processing: jobs per operator and scenario (what ran, when), never results',
    },
    // Verification products (数据核验)
    {
      method: 'POST',
      path: '/verifications',
      function: 'processing',
      auth: ['operator'],
      operationId: 'createVerification',
      summary: 'Publish a parameterised yes/no question over an entitled dataset',
    },
    {
      method: 'GET',
      path: '/verifications/{id}',
      function: 'processing',
      auth: ['operator', 'consumer', 'authority', 'regulator'],
      operationId: 'getVerification',
      summary: 'A verification product: its question and parameters',
    },
    {
      method: 'POST',
      path: '/verifications/{id}/calls',
      function: 'processing',
      auth: ['consumer', 'operator'],
      operationId: 'callVerification',
      summary: 'Ask the question for one subject: answers yes or no only; rate-limited, metered, audited',
    },
  ],
  stateMachines: {},
  eventRules: {
    'processing-run-jobs': {
      description: 'Runs each checked job after its submission committed (retried; dead-letter queue)',
      pattern: { source: ['shiyan.processing'], 'detail-type': ['JobQueued'] },
      function: 'processing',
    },
    'processing-follow-grants': {
      description: 'A suspended, terminated or expired grant stops its queued and running jobs (Art. 14)',
      pattern: {
        source: ['shiyan.grants'],
        'detail-type': ['GrantSuspended', 'GrantTerminated', 'GrantExpired'],
      },
      function: 'processing',
    },
  },
  schedules: {
    'storage-metering': {
      description:
        'Meters each operator’s bytes held in its output area as GB-days of the day before, once per operator and day (Art. 17)',
      // 16:30 UTC = 00:30 in Shiyan: the day just ended.
      expression: 'cron(30 16 * * ? *)',
      function: 'processing',
    },
    'output-check-deadlines': {
      description:
        'Flags manual output checks past their deadline (OutputCheckOverdue, once per job), from a sparse index',
      expression: 'cron(0 * * * ? *)',
      timezone: 'Asia/Shanghai',
      function: 'processing',
    },
  },
} as const satisfies DutyDecl;
