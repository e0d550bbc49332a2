import type { FunctionName } from '../../infra/system.js';
import { applicationsRoutes } from '../applications/routes.js';
import { auditRoutes } from '../audit/routes.js';
import { billingRoutes } from '../billing/routes.js';
import { catalogRoutes } from '../catalog/routes.js';
import { entitlementsRoutes } from '../entitlements/routes.js';
import { evaluationsRoutes } from '../evaluations/routes.js';
import { governanceRoutes } from '../governance/routes.js';
import { grantsRoutes } from '../grants/routes.js';
import { incidentsRoutes } from '../incidents/routes.js';
import { notificationsRoutes } from '../notifications/routes.js';
import { organisationsRoutes } from '../organisations/routes.js';
import { DEFAULT_LIMITS } from '../processing/domain.js';
import { processingRoutes } from '../processing/routes.js';
import type { ProcessingServices } from '../processing/services.js';
import { productsRoutes } from '../products/routes.js';
import { reportsRoutes } from '../reports/routes.js';
import { searchRoutes } from '../search/routes.js';
import type { RouteTable } from '../shared/http.js';
import { tasksRoutes } from '../tasks/routes.js';

/**
 * Every function's route table, for the OpenAPI document and for the test that proves each declared
 * route is served. A new duty adds its table here.
 */
/** Processing's routes take their storage and engine; the route table only describes them here. */
const described = (): never => {
  throw new Error('Route tables listed for documentation are not served');
};
const noServices: ProcessingServices = {
  storage: {
    uploadTarget: described,
    stat: described,
    head: described,
    put: described,
    downloadUrl: described,
    children: described,
    bytesUnder: described,
  },
  engine: { register: described, describe: described, run: described, cancel: described },
};

export const ROUTE_TABLES: Partial<Record<FunctionName, RouteTable>> = {
  catalog: catalogRoutes,
  applications: applicationsRoutes,
  tasks: tasksRoutes,
  grants: grantsRoutes,
  entitlements: entitlementsRoutes,
  governance: governanceRoutes,
  notifications: notificationsRoutes,
  evaluations: evaluationsRoutes,
  organisations: organisationsRoutes,
  search: searchRoutes,
  products: productsRoutes,
  billing: billingRoutes,
  processing: processingRoutes(noServices, DEFAULT_LIMITS),
  audit: auditRoutes(),
  reports: reportsRoutes,
  incidents: incidentsRoutes,
};
