import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { searchEvents, searchRoutes } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler('search', { routes: searchRoutes, events: searchEvents }, deps);
export const handler = createHandler(baseDeps('search'));
