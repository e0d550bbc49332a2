import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { env } from '../../../infra/system.js';
import { requiredEnv } from '../deps.js';
import { hmacPersonKeys, type PersonKeys } from '../person-key.js';

/**
 * The person-key secret from Secrets Manager (created and granted by the CDK stack for the functions
 * whose declaration asks for `personKey`), read once per warm container.
 */
export const secretsManagerPersonKeys = (): PersonKeys => {
  const secretId = requiredEnv(env.personKeySecret);
  const client = new SecretsManagerClient({});
  return hmacPersonKeys(async () => {
    const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    if (!out.SecretString) throw new Error('The person-key secret is empty');
    return out.SecretString;
  });
};
