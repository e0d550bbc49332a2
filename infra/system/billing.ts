/** Platform costs (Art. 17): metering, tariff, monthly statements. Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const billing = {
  tables: {
    // Metered uses, monthly meters and statements (functions/billing/repository.ts).
    // Operators' API calls per month, shard, operator and function (functions/shared/metering.ts):
    // every function adds to them; the statement run reads them with strongly consistent queries.
    apiCalls: { partitionKey: 'pk', sortKey: 'sk' },
    billing: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        // The statements of one month (the authority's list).
        byStatementMonth: { partitionKey: 'stmtMonth', sortKey: 'operatorOrg' },
      },
    },
  },
  functions: {
    billing: {
      entry: 'functions/billing/handler.ts',
      description:
        'Platform costs: metered resource use, the stage tariff, monthly statements, disputes and settlement (Art. 17)',
      tables: { billing: 'write', audit: 'write' },
    },
  },
  routes: [
    // Platform costs (Art. 17)
    {
      method: 'GET',
      path: '/statements',
      function: 'billing',
      auth: ['operator', 'authority', 'regulator'],
      operationId: 'listStatements',
      summary: 'Monthly platform-cost statements (operator: its own; authority, regulators: one month’s)',
    },
    {
      method: 'GET',
      path: '/statements/{id}',
      function: 'billing',
      auth: ['operator', 'authority', 'regulator'],
      operationId: 'getStatement',
      summary: 'A statement with its lines (resource, quantity, rate, amount)',
    },
    {
      method: 'POST',
      path: '/statements/{id}/dispute',
      function: 'billing',
      auth: ['operator'],
      operationId: 'disputeStatement',
      summary: 'The operator disputes its statement with reasons',
    },
    {
      method: 'POST',
      path: '/statements/{id}/dispute-decision',
      function: 'billing',
      auth: ['authority'],
      operationId: 'decideStatementDispute',
      summary: 'The authority adjusts the amount or lets the statement stand',
    },
    {
      method: 'POST',
      path: '/statements/{id}/settle',
      function: 'billing',
      auth: ['authority'],
      operationId: 'settleStatement',
      summary: 'Record the payment of the amount due',
    },
    {
      method: 'GET',
      path: '/platform-usage',
      function: 'billing',
      auth: ['operator'],
      operationId: 'getPlatformUsage',
      summary: 'The operator’s metered platform use of a month so far',
    },
  ],
  stateMachines: {},
  eventRules: {
    // Pattern equals patternOf(ResourceUsed) of events/metering.ts.
    'billing-records-resource-use': {
      description:
        'Records each ResourceUsed once as a usage record and adds it to the month’s meter (Art. 17)',
      pattern: { source: ['shiyan.metering'], 'detail-type': ['ResourceUsed'] },
      function: 'billing',
    },
  },
  schedules: {
    'platform-statements': {
      description:
        'Issues last month’s platform-cost statement per operator, once whatever the retries (Art. 17)',
      // 02:00 UTC on the 1st = 10:00 in Shiyan; runs again on the 2nd and 3rd in case a run failed (idempotent).
      expression: 'cron(0 2 1-3 * ? *)',
      function: 'billing',
    },
  },
} as const satisfies DutyDecl;
