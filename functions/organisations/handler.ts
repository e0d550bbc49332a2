import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { organisationsRoutes } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler('organisations', { routes: organisationsRoutes }, deps);
export const handler = createHandler(baseDeps('organisations'));
