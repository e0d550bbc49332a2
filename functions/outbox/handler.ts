import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { stepFunctionsEngine } from '../shared/aws/step-functions.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { relayPending } from './relay.js';

export const createHandler = (deps: Deps) =>
  dutyHandler('outbox', { schedules: { 'outbox-relay': ({ deps: d }) => relayPending(d) } }, deps);
export const handler = createHandler({
  ...baseDeps('outbox'),
  events: eventBridgePublisher(),
  workflows: stepFunctionsEngine(),
});
