/**
 * The organisation registry and the expert pool, kept by the authority (Art. 6, 10.3, 18). Part of the
 * one declaration composed in infra/system.ts, which also grants every function read access to the
 * `organisations` table: the HTTP edge of every duty binds each role to its organisation through it.
 */
import type { DutyDecl } from './types.js';

export const organisations = {
  tables: {
    // ORG#<credit code> / ORG: the registry; EXPERT#<user id> / EXPERT: the third-party expert pool.
    organisations: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        // itemType `organisation` | `expert`, sorted by code / user id: the registry and pool listings.
        byType: { partitionKey: 'itemType', sortKey: 'listSort' },
      },
    },
  },
  functions: {
    organisations: {
      entry: 'functions/organisations/handler.ts',
      description: 'The organisation registry and the third-party expert pool (Art. 6, 10.3, 18)',
      tables: { organisations: 'write', audit: 'write', idempotency: 'write' },
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/organisations',
      function: 'organisations',
      auth: ['authority', 'regulator'],
      operationId: 'listOrganisations',
      summary: 'The organisation registry (the authority; regulators read it)',
    },
    {
      method: 'POST',
      path: '/organisations',
      function: 'organisations',
      auth: ['authority'],
      operationId: 'createOrganisation',
      summary: 'Register an organisation: code, name, kind and principal responsible person (Art. 18)',
    },
    {
      method: 'GET',
      path: '/organisations/{code}',
      function: 'organisations',
      auth: ['authority', 'regulator', 'provider', 'operator', 'expert', 'government', 'consumer'],
      operationId: 'getOrganisation',
      summary: 'An organisation (the authority and regulators any; every other organisation its own)',
    },
    {
      method: 'PATCH',
      path: '/organisations/{code}',
      function: 'organisations',
      auth: ['authority'],
      operationId: 'updateOrganisation',
      summary: 'Update an organisation’s name, kind or principal responsible person',
    },
    {
      method: 'GET',
      path: '/experts',
      function: 'organisations',
      // Art. 10.3: whoever organises a review panel draws it from the pool; in domain mode that is the
      // granting provider (DOMAIN.md: 领域授权), so providers read the pool too. Operators never do.
      auth: ['authority', 'regulator', 'provider'],
      operationId: 'listExperts',
      summary: 'The third-party expert pool (Art. 10.3)',
    },
    {
      method: 'POST',
      path: '/experts',
      function: 'organisations',
      auth: ['authority'],
      operationId: 'createExpert',
      summary: 'Add a third-party expert to the pool: user id, name, organisation, fields',
    },
    {
      method: 'GET',
      path: '/experts/{userId}',
      function: 'organisations',
      auth: ['authority', 'regulator', 'expert'],
      operationId: 'getExpert',
      summary: 'An expert of the pool (experts read their own entry)',
    },
    {
      method: 'PATCH',
      path: '/experts/{userId}',
      function: 'organisations',
      auth: ['authority'],
      operationId: 'updateExpert',
      summary: 'Update an expert’s organisation, fields or availability',
    },
  ],
  stateMachines: {},
  eventRules: {},
  schedules: {},
} as const satisfies DutyDecl;
