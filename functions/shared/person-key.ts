import { createHmac } from 'node:crypto';

/**
 * Lookup keys for personal identity numbers (PIPL): an HMAC-SHA256 under a platform secret, never a
 * bare hash (an 18-digit ID number with a known birth date and region is recovered from its SHA-256
 * in under a second). The secret is a local key file under DATA_DIR, or a Secrets Manager secret in
 * AWS (functions/shared/aws/secrets.ts); the key is only ever compared, never returned by the API.
 */
export interface PersonKeys {
  /** `hmac:<base64url>` of the normalized (trimmed, upper-case) identity number. */
  lookupKey(idNumber: string): Promise<string>;
}

export const normalizeIdNumber = (idNumber: string): string =>
  idNumber.normalize('NFKC').trim().toUpperCase();

/** Person keys from a secret loaded once (per warm container) by `load`. */
export const hmacPersonKeys = (load: () => Promise<string | Buffer>): PersonKeys => {
  let secret: Promise<string | Buffer> | undefined;
  return {
    async lookupKey(idNumber) {
      secret ??= load().catch((e: unknown) => {
        secret = undefined;
        throw e;
      });
      const key = await secret;
      return `hmac:${createHmac('sha256', key).update(normalizeIdNumber(idNumber)).digest('base64url')}`;
    },
  };
};
