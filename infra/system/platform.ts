/** Shared tables (audit, idempotency, outbox) and the outbox relay. Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const platform = {
  tables: {
    // The audit trail: one hash chain per resource (sk = zero-padded seq; functions/shared/audit-chain.ts).
    // Append-only and without TTL: kept for good, at least the 180 days of the Cybersecurity Law.
    audit: {
      partitionKey: 'resource',
      sortKey: 'sk',
      appendOnly: true,
      indexes: {
        byOrg: { partitionKey: 'actorOrg', sortKey: 'at' },
        byUser: { partitionKey: 'actorUser', sortKey: 'at' },
        byDay: { partitionKey: 'day', sortKey: 'at' },
      },
    },
    idempotency: { partitionKey: 'key', timeToLive: 'expiresAt' },
    // Domain events committed with their change, until the bus has them (functions/shared/store.ts).
    outbox: {
      partitionKey: 'id',
      indexes: { byPending: { partitionKey: 'pending', sortKey: 'createdAt' } },
      timeToLive: 'expiresAt',
    },
  },
  functions: {
    outbox: {
      entry: 'functions/outbox/handler.ts',
      description: 'Hands on committed events and workflow starts whose first attempt was lost',
      tables: { outbox: 'write' },
      publishesEvents: true,
      workflows: ['selection', 'data-demand-review'],
    },
  },
  routes: [],
  stateMachines: {},
  eventRules: {},
  schedules: {
    'outbox-relay': {
      description: 'Publishes outbox events older than a minute (a publish after commit failed)',
      expression: 'rate(1 minute)',
      function: 'outbox',
    },
  },
} as const satisfies DutyDecl;
