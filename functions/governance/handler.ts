import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { escalateOverdue, governanceRoutes, OVERDUE_JOB } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'governance',
    { routes: governanceRoutes, schedules: { [OVERDUE_JOB]: escalateOverdue } },
    deps,
  );
export const handler = createHandler({ ...baseDeps('governance'), events: eventBridgePublisher() });
