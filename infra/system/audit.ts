/** The audit trail for supervision (Art. 15, 18). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

const READERS = ['authority', 'regulator', 'operator', 'provider', 'government', 'expert'] as const;

export const audit = {
  tables: {},
  functions: {
    audit: {
      entry: 'functions/audit/handler.ts',
      description: 'Reads, exports and verifies the hash-chained audit trail (Art. 15, 18)',
      tables: { audit: 'read' },
      timeoutSeconds: 29,
      memoryMb: 512,
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/audit/events',
      function: 'audit',
      auth: READERS,
      operationId: 'listAuditEvents',
      summary:
        'Audit events by organisation, user, role, action, resource and time (others: own organisation only)',
    },
    {
      method: 'GET',
      path: '/audit/export',
      function: 'audit',
      auth: READERS,
      operationId: 'exportAuditEvents',
      summary: 'The same events as CSV or JSON Lines for an inspection',
    },
    {
      method: 'GET',
      path: '/audit/verify',
      function: 'audit',
      auth: ['authority', 'regulator', 'admin'],
      operationId: 'verifyAuditChain',
      summary: "Recomputes a resource's hash chain and names the first break",
    },
  ],
  stateMachines: {},
  eventRules: {},
  schedules: {},
} as const satisfies DutyDecl;
