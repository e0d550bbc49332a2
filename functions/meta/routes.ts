import { CODE_LISTS, DOMAINS } from '../shared/codes.js';
import { type RouteTable, route } from '../shared/http.js';
import { buildOpenApi } from './openapi.js';
import { ROUTE_TABLES } from './route-tables.js';

let openApi: unknown;

export const metaRoutes: RouteTable = {
  listDomains: route({ handle: async () => ({ status: 200, body: { items: DOMAINS } }) }),
  listCodes: route({ handle: async () => ({ status: 200, body: CODE_LISTS }) }),
  getOpenApi: route({
    async handle() {
      // Built once per container: the document only changes with a deployment.
      openApi ??= buildOpenApi({ ...ROUTE_TABLES, meta: metaRoutes });
      return { status: 200, body: openApi, headers: { 'cache-control': 'public, max-age=300' } };
    },
  }),
};
