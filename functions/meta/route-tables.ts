import type { FunctionName } from '../../infra/system.js';
import { applicationsRoutes } from '../applications/routes.js';
import { auditRoutes } from '../audit/routes.js';
import { catalogRoutes } from '../catalog/routes.js';
import { entitlementsRoutes } from '../entitlements/routes.js';
import { evaluationsRoutes } from '../evaluations/routes.js';
import { governanceRoutes } from '../governance/routes.js';
import { grantsRoutes } from '../grants/routes.js';
import { incidentsRoutes } from '../incidents/routes.js';
import { notificationsRoutes } from '../notifications/routes.js';
import { reportsRoutes } from '../reports/routes.js';
import type { RouteTable } from '../shared/http.js';
import { tasksRoutes } from '../tasks/routes.js';

/**
 * Every function's route table, for the OpenAPI document and for the test that proves each declared
 * route is served. A new duty adds its table here.
 */
export const ROUTE_TABLES: Partial<Record<FunctionName, RouteTable>> = {
  catalog: catalogRoutes,
  applications: applicationsRoutes,
  tasks: tasksRoutes,
  grants: grantsRoutes,
  entitlements: entitlementsRoutes,
  governance: governanceRoutes,
  notifications: notificationsRoutes,
  evaluations: evaluationsRoutes,
  audit: auditRoutes(),
  reports: reportsRoutes,
  incidents: incidentsRoutes,
};
