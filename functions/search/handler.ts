import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { rebuildSearchIndex, searchEvents, searchRoutes } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'search',
    {
      routes: searchRoutes,
      events: searchEvents,
      schedules: { 'search-rebuild': (inv) => rebuildSearchIndex(inv.deps) },
    },
    deps,
  );
export const handler = createHandler(baseDeps('search'));
