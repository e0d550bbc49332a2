import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { auditRoutes } from './routes.js';

export const createHandler = (deps: Deps) => dutyHandler('audit', { routes: auditRoutes() }, deps);
export const handler = createHandler(baseDeps('audit'));
