/** The public data catalog (Art. 6-8). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const catalog = {
  tables: {
    catalog: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        // Sparse: only entries the public may see carry `listing`.
        byListing: { partitionKey: 'listing', sortKey: 'listingSort' },
        byDomain: { partitionKey: 'listingDomain', sortKey: 'listingSort' },
        // Every head item of a provider, drafts included, and of all providers (the authority's view).
        byProvider: { partitionKey: 'providerOrg', sortKey: 'createdSort' },
        byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
      },
    },
  },
  functions: {
    catalog: {
      entry: 'functions/catalog/handler.ts',
      description: 'Public data catalog: entries, versions and review (Art. 6-8)',
      tables: { catalog: 'write', audit: 'write', idempotency: 'write', outbox: 'write', search: 'read' },
      publishesEvents: true,
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/catalog',
      function: 'catalog',
      auth: 'optional',
      operationId: 'listCatalogEntries',
      summary: 'List catalog entries (public: approved entries; providers also their own; the authority all)',
    },
    {
      method: 'POST',
      path: '/catalog',
      function: 'catalog',
      auth: ['provider'],
      operationId: 'createCatalogEntry',
      summary: 'Draft a catalog entry for the caller’s organisation',
    },
    {
      method: 'GET',
      path: '/catalog/{id}',
      function: 'catalog',
      auth: 'optional',
      operationId: 'getCatalogEntry',
      summary: 'A catalog entry with its versions',
    },
    {
      method: 'PATCH',
      path: '/catalog/{id}',
      function: 'catalog',
      auth: ['provider'],
      operationId: 'updateCatalogEntry',
      summary: 'Edit a draft, rejected or approved entry (an approved entry gets a new version under review)',
    },
    {
      method: 'POST',
      path: '/catalog/{id}/submit',
      function: 'catalog',
      auth: ['provider'],
      operationId: 'submitCatalogEntry',
      summary: 'Submit the working version for review',
    },
    {
      method: 'POST',
      path: '/catalog/{id}/review',
      function: 'catalog',
      auth: ['authority'],
      operationId: 'reviewCatalogEntry',
      summary: 'Approve or reject the submitted version',
    },
    {
      method: 'POST',
      path: '/catalog/{id}/withdraw',
      function: 'catalog',
      auth: ['provider', 'authority'],
      operationId: 'withdrawCatalogEntry',
      summary:
        'Withdraw an entry from the catalog, with a reason (its provider or the authority); its entitlements end (Art. 8)',
    },
  ],
  stateMachines: {},
  eventRules: {},
  schedules: {},
} as const satisfies DutyDecl;
