/** Code lists and the OpenAPI document. Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const meta = {
  tables: {},
  functions: {
    meta: {
      entry: 'functions/meta/handler.ts',
      description: 'Reference codes and the OpenAPI document',
      tables: {},
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/meta/domains',
      function: 'meta',
      auth: 'public',
      operationId: 'listDomains',
      summary: 'Priority data domains of Art. 7',
    },
    {
      method: 'GET',
      path: '/meta/codes',
      function: 'meta',
      auth: 'public',
      operationId: 'listCodes',
      summary: 'Every code list with Chinese and English labels',
    },
    {
      method: 'GET',
      path: '/openapi.json',
      function: 'meta',
      auth: 'public',
      operationId: 'getOpenApi',
      summary: 'This API as an OpenAPI 3.1 document',
    },
  ],
  stateMachines: {},
  eventRules: {},
  schedules: {},
} as const satisfies DutyDecl;
