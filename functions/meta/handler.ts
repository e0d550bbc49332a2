import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { metaRoutes } from './routes.js';

export const createHandler = (deps: Deps) => dutyHandler('meta', { routes: metaRoutes }, deps);
export const handler = createHandler(baseDeps('meta'));
