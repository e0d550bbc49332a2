/**
 * Catalog search (issue 11): an inverted index of the public catalog in DynamoDB, kept current from
 * the catalog's events. `GET /catalog?q=` (served by the catalog function) reads it. Part of the one
 * declaration composed in infra/system.ts.
 */
import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import { patternOf } from '../../events/define.js';
import type { DutyDecl } from './types.js';

export const search = {
  tables: {
    // Postings (`T#<term>` × shard, a map entry id → weight and facets) and one document per entry
    // (`DOC` × entry id: the version applied). See functions/search/repository.ts.
    search: { partitionKey: 'pk', sortKey: 'sk' },
  },
  functions: {
    search: {
      entry: 'functions/search/handler.ts',
      description: 'Catalog search index: follows catalog events, rebuilds from the catalog table',
      tables: { search: 'write', catalog: 'read' },
      memoryMb: 1024,
      timeoutSeconds: 300,
    },
  },
  routes: [
    {
      method: 'POST',
      path: '/search/rebuild',
      function: 'search',
      auth: ['admin'],
      operationId: 'rebuildSearchIndex',
      summary: 'Recreate the catalog search index from the catalog table (platform operations)',
    },
  ],
  stateMachines: {},
  eventRules: {
    'search-from-catalog': {
      description:
        'Keeps the catalog search index current: approved versions enter, secrets and withdrawals leave',
      pattern: patternOf(CatalogEntryPublished, CatalogEntryWithdrawn),
      function: 'search',
    },
  },
  schedules: {
    // The safety net, and the rebuild for catalogs too large for an HTTP request (API Gateway answers
    // within 30 s): fire it now with `POST /_local/schedules/search-rebuild/run` locally, or
    // `aws lambda invoke --payload '{"schedule":"search-rebuild"}'` on a stage.
    'search-rebuild': {
      description: 'Recreates the catalog search index from the catalog table every night',
      expression: 'cron(0 19 * * ? *)',
      function: 'search',
    },
  },
} as const satisfies DutyDecl;
