/** Data-quality governance (Art. 11.1). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const governance = {
  tables: {
    // Data-quality governance requests (Art. 11.1).
    governance: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
        byProvider: { partitionKey: 'providerOrg', sortKey: 'createdSort' },
        byType: { partitionKey: 'itemType', sortKey: 'createdSort' },
        // Sparse: forwarded requests not yet escalated, by deadline (the daily overdue check).
        byDeadline: { partitionKey: 'dueKey', sortKey: 'dueSort' },
      },
    },
  },
  functions: {
    governance: {
      entry: 'functions/governance/handler.ts',
      description: 'Data-quality governance requests, deadlines and escalation (Art. 11.1)',
      tables: {
        governance: 'write',
        entitlements: 'read',
        catalog: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      publishesEvents: true,
    },
  },
  routes: [
    // Data-quality governance (Art. 11.1)
    {
      method: 'POST',
      path: '/governance-requests',
      function: 'governance',
      auth: ['operator'],
      operationId: 'createGovernanceRequest',
      summary: 'Report a data-quality problem on an entry the operator is entitled to',
    },
    {
      method: 'GET',
      path: '/governance-requests',
      function: 'governance',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'listGovernanceRequests',
      summary: 'Governance requests the caller may see (authority: overdue=true for escalations)',
    },
    {
      method: 'GET',
      path: '/governance-requests/{id}',
      function: 'governance',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'getGovernanceRequest',
      summary: 'A governance request with its history',
    },
    {
      method: 'POST',
      path: '/governance-requests/{id}/forward',
      function: 'governance',
      auth: ['authority'],
      operationId: 'forwardGovernanceRequest',
      summary: 'Forward a request to the provider with a deadline',
    },
    {
      method: 'POST',
      path: '/governance-requests/{id}/respond',
      function: 'governance',
      auth: ['provider'],
      operationId: 'respondGovernanceRequest',
      summary: 'The provider reports the problem resolved',
    },
    {
      method: 'POST',
      path: '/governance-requests/{id}/confirm',
      function: 'governance',
      auth: ['operator'],
      operationId: 'confirmGovernanceRequest',
      summary: 'The operator confirms the resolution',
    },
    {
      method: 'POST',
      path: '/governance-requests/{id}/reopen',
      function: 'governance',
      auth: ['operator'],
      operationId: 'reopenGovernanceRequest',
      summary: 'The operator reopens an unresolved problem',
    },
  ],
  stateMachines: {},
  eventRules: {},
  schedules: {
    'governance-overdue': {
      description: 'Escalates governance requests past their deadline (Art. 11.1)',
      expression: 'cron(0 2 * * ? *)',
      function: 'governance',
    },
  },
} as const satisfies DutyDecl;
