import { cognitoVerifier } from '../shared/aws/cognito.js';
import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { secretsManagerPersonKeys } from '../shared/aws/secrets.js';
import { stepFunctionsEngine } from '../shared/aws/step-functions.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { applicationsRoutes } from './routes.js';
import { applicationSteps } from './steps.js';

export const createHandler = (deps: Deps) =>
  dutyHandler('applications', { routes: applicationsRoutes, steps: applicationSteps }, deps);

export const handler = createHandler({
  ...baseDeps('applications'),
  events: eventBridgePublisher(),
  tokens: cognitoVerifier(),
  workflows: stepFunctionsEngine(),
  personKeys: secretsManagerPersonKeys(),
});
