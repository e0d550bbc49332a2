import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { stepFunctionsEngine } from '../shared/aws/step-functions.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { evaluationsSchedules } from './jobs.js';
import { evaluationsRoutes } from './routes.js';
import { evaluationsSteps } from './steps.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'evaluations',
    { routes: evaluationsRoutes, schedules: evaluationsSchedules, steps: evaluationsSteps },
    deps,
  );
export const handler = createHandler({
  ...baseDeps('evaluations'),
  events: eventBridgePublisher(),
  workflows: stepFunctionsEngine(),
});
