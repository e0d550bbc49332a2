import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { billingSchedules } from './jobs.js';
import { billingRoutes } from './routes.js';
import { billingEvents } from './workers.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'billing',
    {
      routes: billingRoutes,
      schedules: billingSchedules,
      // Art. 17: every ResourceUsed becomes a usage record, once.
      events: billingEvents,
    },
    deps,
  );
export const handler = createHandler(baseDeps('billing'));
