/** Operation reports (Art. 12.2, 12.4, 13). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

const READERS = ['operator', 'provider', 'government', 'authority', 'regulator'] as const;

export const reports = {
  tables: {
    // Operation reports: the current revision (`REPORT#<id>`/`HEAD`) and every earlier one (`REV#0001`…).
    reports: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
        byGrantor: { partitionKey: 'grantorOrg', sortKey: 'createdSort' },
        byGrant: { partitionKey: 'reportGrant', sortKey: 'createdSort' },
        byType: { partitionKey: 'itemType', sortKey: 'createdSort' },
        // Sparse: reports waiting on a due date or a supplement deadline, by deadline (overdue sweep).
        byDeadline: { partitionKey: 'deadlineKey', sortKey: 'deadlineSort' },
      },
    },
  },
  functions: {
    reports: {
      entry: 'functions/reports/handler.ts',
      description:
        'Periodic operation reports: due by schedule, drafts, submission, corrections, review (Art. 12.2, 13)',
      // Reads grants to know which are active (the due-report schedule).
      tables: { reports: 'write', grants: 'read', audit: 'write', idempotency: 'write', outbox: 'write' },
      publishesEvents: true,
      timeoutSeconds: 300,
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/reports',
      function: 'reports',
      auth: READERS,
      operationId: 'listReports',
      summary:
        'Reports the caller may read (operator: its own; grantor: its grants; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/reports/{id}',
      function: 'reports',
      auth: READERS,
      operationId: 'getReport',
      summary: 'A report with its earlier revisions',
    },
    {
      method: 'PUT',
      path: '/reports/{id}',
      function: 'reports',
      auth: ['operator'],
      operationId: 'editReport',
      summary: 'Write the draft of a due report (Art. 12.2, 12.4)',
    },
    {
      method: 'POST',
      path: '/reports/{id}/submit',
      function: 'reports',
      auth: ['operator'],
      operationId: 'submitReport',
      summary: 'Submit the draft, declared truthful (Art. 13); a submitted report is immutable',
    },
    {
      method: 'POST',
      path: '/reports/{id}/corrections',
      function: 'reports',
      auth: ['operator'],
      operationId: 'correctReport',
      summary: 'Correct a submitted report: a new revision (draft) that keeps the old one',
    },
    {
      method: 'POST',
      path: '/reports/{id}/review',
      function: 'reports',
      auth: ['authority'],
      operationId: 'reviewReport',
      summary: 'Accept, or request supplementary material by a deadline (Art. 13)',
    },
    {
      method: 'POST',
      path: '/reports/{id}/supplement',
      function: 'reports',
      auth: ['operator'],
      operationId: 'answerReportSupplement',
      summary: 'Answer the open request for supplementary material',
    },
  ],
  stateMachines: {},
  eventRules: {
    // The fan-out of the due-report run: each page of active grants is its own invocation.
    'reports-due-pages': {
      description:
        'Continues the reports-due run with its next page of active grants (one page per invocation)',
      pattern: { source: ['shiyan.reports'], 'detail-type': ['ReportsDuePage'] },
      function: 'reports',
    },
  },
  schedules: {
    'reports-due': {
      description:
        'Creates the reports due for every active grant (quarterly, and the annual one by 31 March) once per period, one page of grants per invocation, and flags overdue reports and supplements',
      expression: 'cron(0 1 * * ? *)',
      timezone: 'Asia/Shanghai',
      function: 'reports',
    },
  },
} as const satisfies DutyDecl;
