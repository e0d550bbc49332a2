import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { NOTIFIED_EVENTS } from './domain.js';
import { deliverNotifications, notificationsRoutes } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'notifications',
    {
      routes: notificationsRoutes,
      events: Object.fromEntries(NOTIFIED_EVENTS.map((t) => [t.detailType, deliverNotifications])),
    },
    deps,
  );
export const handler = createHandler(baseDeps('notifications'));
