import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { env } from '../../../infra/system.js';
import { requiredEnv } from '../deps.js';
import { hmacPersonKeys, type PersonKeys } from '../person-key.js';

/**
 * Seconds a secret read at run time stays in the warm container's memory (Powertools Parameters'
 * cache) before it is read again: a rotated value reaches every container within this time.
 */
export const SECRET_MAX_AGE_SECONDS = 900;

/** One provider (and so one cache and one client) per container, created on first use. */
let defaultProvider: SecretsProvider | undefined;
const defaultSecrets = (): SecretsProvider => {
  defaultProvider ??= new SecretsProvider();
  return defaultProvider;
};

/**
 * A Secrets Manager secret's string, read at run time through Powertools Parameters (cached for
 * SECRET_MAX_AGE_SECONDS): secrets never sit in a function's environment or a template.
 * `provider`: the default one, or a test's (built with its own SDK client).
 * @throws Error when the secret has no string value.
 */
export const readSecret = async (secretId: string, provider?: SecretsProvider): Promise<string> => {
  const value = await (provider ?? defaultSecrets()).get(secretId, { maxAge: SECRET_MAX_AGE_SECONDS });
  if (typeof value !== 'string' || value === '') throw new Error(`Secret ${secretId} has no string value`);
  return value;
};

/**
 * The person-key secret from Secrets Manager (created and granted by the CDK stack for the functions
 * whose declaration asks for `personKey`).
 */
export const secretsManagerPersonKeys = (): PersonKeys => {
  const secretId = requiredEnv(env.personKeySecret);
  return hmacPersonKeys(() => readSecret(secretId));
};

/**
 * The cursor-signing key's loader where the stack names its secret (`CURSOR_SIGNING_KEY_SECRET_ARN`,
 * every function in AWS); undefined elsewhere (the local runtime sets the key itself).
 */
export const secretsManagerCursorKey = (): (() => Promise<string>) | undefined => {
  const secretId = process.env[env.cursorKeySecret];
  return secretId ? () => readSecret(secretId) : undefined;
};
