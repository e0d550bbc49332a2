import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { stepFunctionsEngine } from '../shared/aws/step-functions.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { entitlementsRoutes } from './routes.js';
import { entitlementsEvents, entitlementsSteps } from './workers.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'entitlements',
    { routes: entitlementsRoutes, steps: entitlementsSteps, events: entitlementsEvents },
    deps,
  );
export const handler = createHandler({
  ...baseDeps('entitlements'),
  events: eventBridgePublisher(),
  workflows: stepFunctionsEngine(),
});
