import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { evaluationsSchedules } from './jobs.js';
import { evaluationsRoutes } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler('evaluations', { routes: evaluationsRoutes, schedules: evaluationsSchedules }, deps);
export const handler = createHandler({ ...baseDeps('evaluations'), events: eventBridgePublisher() });
