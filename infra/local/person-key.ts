import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hmacPersonKeys, type PersonKeys } from '../../functions/shared/person-key.js';

/**
 * The local person-key secret: a key file under DATA_DIR (created once, mode 0600), or a random key in
 * memory when nothing persists. Stands in for the Secrets Manager secret of the CDK stack.
 */
export const localPersonKeys = (dataDir: string | undefined): PersonKeys => {
  const file = dataDir ? join(dataDir, 'person-key') : undefined;
  let key: string;
  if (file && existsSync(file)) key = readFileSync(file, 'utf8').trim();
  else {
    key = randomBytes(32).toString('base64url');
    if (file && dataDir) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(file, key, { mode: 0o600 });
    }
  }
  return hmacPersonKeys(async () => key);
};
