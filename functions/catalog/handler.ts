import { cognitoVerifier } from '../shared/aws/cognito.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { catalogRoutes } from './routes.js';

export const createHandler = (deps: Deps) => dutyHandler('catalog', { routes: catalogRoutes }, deps);
export const handler = createHandler({ ...baseDeps('catalog'), tokens: cognitoVerifier() });
