import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { reportsEvents, reportsSchedules } from './jobs.js';
import { reportsRoutes } from './routes.js';

export const createHandler = (deps: Deps) =>
  dutyHandler('reports', { routes: reportsRoutes, schedules: reportsSchedules, events: reportsEvents }, deps);
export const handler = createHandler({ ...baseDeps('reports'), events: eventBridgePublisher() });
