import { cognitoVerifier } from '../shared/aws/cognito.js';
import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { productsSchedules } from './jobs.js';
import { productsRoutes } from './routes.js';
import { productsEvents } from './workers.js';

export const createHandler = (deps: Deps) =>
  dutyHandler(
    'products',
    {
      routes: productsRoutes,
      schedules: productsSchedules,
      // Products follow their grant: suspended, reinstated, delisted (Art. 14, 10.5).
      events: productsEvents,
    },
    deps,
  );
// Objections are open to anyone; a token, when sent, is verified here (optional-auth route).
export const handler = createHandler({
  ...baseDeps('products'),
  tokens: cognitoVerifier(),
  events: eventBridgePublisher(),
});
