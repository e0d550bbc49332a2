import type { FunctionName } from '../../infra/system.js';
import { catalogRoutes } from '../catalog/routes.js';
import type { RouteTable } from '../shared/http.js';

/**
 * Every function's route table, for the OpenAPI document and for the test that proves each declared
 * route is served. A new duty adds its table here.
 */
export const ROUTE_TABLES: Partial<Record<FunctionName, RouteTable>> = {
  catalog: catalogRoutes,
};
