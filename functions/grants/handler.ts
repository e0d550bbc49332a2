import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { stepFunctionsEngine } from '../shared/aws/step-functions.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { grantsCatalogEvents } from './catalog-events.js';
import { grantsCreditEvents } from './credit-events.js';
import { grantsEvaluationEvents } from './evaluation-events.js';
import { grantsSchedules } from './jobs.js';
import { grantsRoutes } from './routes.js';
import { grantsSteps } from './steps.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'grants',
    {
      routes: grantsRoutes,
      steps: grantsSteps,
      schedules: grantsSchedules,
      // Art. 14: evaluation results suspend, reinstate or terminate the grant.
      // Art. 8: a withdrawn or restricted scope entry is recorded on the grant.
      // Art. 9: a running grantee put on the credit list is flagged; the authority's review may suspend.
      events: { ...grantsEvaluationEvents, ...grantsCatalogEvents, ...grantsCreditEvents },
    },
    deps,
  );
export const handler = createHandler({
  ...baseDeps('grants'),
  events: eventBridgePublisher(),
  workflows: stepFunctionsEngine(),
});
