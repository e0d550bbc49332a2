/** Grants: the agreement and its life (Art. 4, 10.5, 14). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const grants = {
  tables: {
    // Grants (Art. 4, 10.5, 14): the agreement (`GRANT#<id>`/`GRANT`), reminders sent, job checkpoints.
    grants: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
        byGrantor: { partitionKey: 'grantorOrg', sortKey: 'createdSort' },
        byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
        // Sparse: active grants only (公示, GET /public/grants).
        byListing: { partitionKey: 'listing', sortKey: 'listingSort' },
        // Sparse: running grants only (active or suspended): the evaluation cycle and the Art. 9
        // credit-list name match read what is in force, not every grant ever made.
        byRunning: { partitionKey: 'runningKey', sortKey: 'createdSort' },
        // Sparse: running grants by expiry day (expiry sweep and reminders query day buckets, never scan).
        byExpiry: { partitionKey: 'expiryDay', sortKey: 'expirySort' },
        // Sparse: grants waiting for signatures, not yet flagged overdue, by deadline (Art. 10.4).
        bySignatureDue: { partitionKey: 'signDueKey', sortKey: 'signDueSort' },
      },
    },
  },
  functions: {
    grants: {
      entry: 'functions/grants/handler.ts',
      description:
        'Grants (agreements): drafting, signatures, suspension, termination, expiry, reminders, exit (Art. 4, 10.5, 14)',
      // Reads the catalog to draft only authorizable entries into a grant's scope (Art. 8).
      // creditList: Art. 9 screening again when an agreement would take effect.
      tables: {
        grants: 'write',
        catalog: 'read',
        creditList: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      publishesEvents: true,
      // Answers the selection workflow waiting for both signatures.
      workflows: ['selection'],
    },
  },
  routes: [
    // Grants (Art. 4, 10.5, 14)
    {
      method: 'GET',
      path: '/grants',
      function: 'grants',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'listGrants',
      summary:
        'Grants the caller may see (operator: its own; provider: those it granted; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/grants/{id}',
      function: 'grants',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'getGrant',
      summary: 'A grant with its terms, signatures and exit confirmations',
    },
    {
      method: 'GET',
      path: '/public/grants',
      function: 'grants',
      auth: 'public',
      operationId: 'listPublicGrants',
      summary: 'Active grants: operator, mode, scope and term (公示)',
    },
    {
      method: 'POST',
      path: '/grants/{id}/sign',
      function: 'grants',
      auth: ['operator', 'provider', 'authority'],
      operationId: 'signGrant',
      summary:
        'Sign the agreement (the grantor and the operator, once each; the second signature activates it)',
    },
    {
      method: 'POST',
      path: '/grants/{id}/suspend',
      function: 'grants',
      auth: ['authority', 'provider'],
      operationId: 'suspendGrant',
      summary: 'Suspend an active grant with a reason (Art. 14)',
    },
    {
      method: 'POST',
      path: '/grants/{id}/reinstate',
      function: 'grants',
      auth: ['authority', 'provider'],
      operationId: 'reinstateGrant',
      summary: 'Reinstate a suspended grant',
    },
    {
      method: 'POST',
      path: '/grants/{id}/terminate',
      function: 'grants',
      auth: ['authority', 'provider'],
      operationId: 'terminateGrant',
      summary: 'Terminate a grant with a reason (Art. 14)',
    },
    {
      method: 'POST',
      path: '/grants/{id}/exit-confirmations',
      function: 'grants',
      auth: ['operator', 'provider', 'authority'],
      operationId: 'confirmGrantExit',
      summary: 'Record an exit confirmation of a terminated or expired grant (Art. 4)',
    },
  ],
  stateMachines: {},
  eventRules: {
    // Pattern equals patternOf(...EVALUATION_GRANT_EVENTS) (test/unit/evaluations-domain.test.ts checks it).
    'grants-follow-evaluations': {
      description:
        'Art. 14: a failed evaluation suspends the grant, an accepted rectification reinstates it, an overdue one terminates it',
      pattern: {
        source: ['shiyan.evaluations'],
        'detail-type': ['EvaluationFailed', 'EvaluationRectified', 'EvaluationRectificationOverdue'],
      },
      function: 'grants',
    },
    'grants-record-catalog-changes': {
      description:
        'Art. 8: a grant records each scope entry withdrawn from the catalog or restricted by an approved version',
      pattern: {
        source: ['shiyan.catalog'],
        'detail-type': ['CatalogEntryPublished', 'CatalogEntryWithdrawn'],
      },
      function: 'grants',
    },
    'grants-flag-credit-listings': {
      description:
        'Art. 9: an operator put on the credit list while it holds a running grant: the grant is flagged for review',
      pattern: { source: ['shiyan.applications'], 'detail-type': ['CreditListEntryListed'] },
      function: 'grants',
    },
    'grants-follow-credit-listing-reviews': {
      description:
        'Art. 9, 14: the authority’s review of a credit listing suspends the grant or dismisses the flag (credit-listing-review tasks only)',
      pattern: { source: ['shiyan.tasks'], 'detail-type': ['ReviewTaskDecided'] },
      function: 'grants',
    },
  },
  schedules: {
    'grant-expiry': {
      description: 'Expires grants whose 2-year term has ended (Art. 10.5), from the sparse expiry index',
      expression: 'rate(5 minutes)',
      function: 'grants',
    },
    'grant-reminders': {
      description:
        'Reminds operators and grantors 90, 30 and 7 days before a grant expires (Art. 10.5), once each',
      expression: 'cron(0 1 * * ? *)',
      function: 'grants',
    },
    'grant-signature-overdue': {
      description:
        'Flags agreements not signed by their deadline and escalates each once (Art. 10.4), from a sparse index',
      expression: 'rate(1 hour)',
      function: 'grants',
    },
  },
} as const satisfies DutyDecl;
