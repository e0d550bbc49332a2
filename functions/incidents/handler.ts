import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { incidentsRoutes } from './routes.js';

export const createHandler = (deps: Deps) => dutyHandler('incidents', { routes: incidentsRoutes }, deps);
export const handler = createHandler({ ...baseDeps('incidents'), events: eventBridgePublisher() });
