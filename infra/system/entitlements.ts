/** Data demands and entitlements (Art. 16). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const entitlements = {
  tables: {
    // Data demands and entitlements (Art. 16).
    entitlements: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        // Sort keys start with the item type (`demand#`, `entitlement#`), so one index serves both lists.
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'opSort' },
        byProvider: { partitionKey: 'providerOrg', sortKey: 'provSort' },
        byKind: { partitionKey: 'kind', sortKey: 'kindSort' },
        // Sparse: entitlements by grant (they follow the grant's events).
        byGrant: { partitionKey: 'entGrant', sortKey: 'entSort' },
      },
    },
  },
  functions: {
    entitlements: {
      entry: 'functions/entitlements/handler.ts',
      description: 'Data demands, their parallel review and the entitlements they create (Art. 16)',
      tables: {
        entitlements: 'write',
        grants: 'read',
        catalog: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      publishesEvents: true,
      workflows: ['data-demand-review'],
    },
  },
  routes: [
    // Data demands and entitlements (Art. 16)
    {
      method: 'POST',
      path: '/demands',
      function: 'entitlements',
      auth: ['operator'],
      operationId: 'createDemand',
      summary: 'File a data demand for an application scenario under an active grant',
    },
    {
      method: 'GET',
      path: '/demands',
      function: 'entitlements',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'listDemands',
      summary: 'Data demands the caller may see',
    },
    {
      method: 'GET',
      path: '/demands/{id}',
      function: 'entitlements',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'getDemand',
      summary: 'A data demand with its reviews',
    },
    {
      method: 'GET',
      path: '/entitlements',
      function: 'entitlements',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'listEntitlements',
      summary: 'Entitlements (operator: its own; provider: on its entries; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/entitlements/check',
      function: 'entitlements',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'checkEntitlement',
      summary: 'Whether an operator is entitled to a catalog entry now',
    },
  ],
  stateMachines: {
    'data-demand-review': {
      file: 'state-machines/data-demand-review.asl.json',
      description:
        'Data demand review (Art. 16): the authority and each providing unit review in parallel; all must approve',
      functions: ['tasks', 'entitlements'],
    },
  },
  eventRules: {
    // Patterns equal patternOf(...) of events/ (test/unit/grants-rules.test.ts checks it).
    'entitlements-follow-grants': {
      description:
        'Entitlements follow their grant: suspended, reinstated, ended; a renewal carries them over',
      pattern: {
        source: ['shiyan.grants'],
        'detail-type': [
          'GrantActivated',
          'GrantSuspended',
          'GrantReinstated',
          'GrantTerminated',
          'GrantExpired',
        ],
      },
      function: 'entitlements',
    },
    'entitlements-follow-catalog': {
      description:
        'Art. 8 at every moment: entitlements to an entry end when it is withdrawn or an approved version restricts it',
      pattern: {
        source: ['shiyan.catalog'],
        'detail-type': ['CatalogEntryPublished', 'CatalogEntryWithdrawn'],
      },
      function: 'entitlements',
    },
  },
  schedules: {},
} as const satisfies DutyDecl;
