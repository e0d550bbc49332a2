import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { env } from '../../infra/system.js';
import { ValidationError } from './errors.js';

/**
 * Pagination cursors this API issued, and only those (issue 7, kind 3). A cursor is
 * `<base64url(JSON position)>.<base64url(HMAC-SHA256)>`, the MAC taken over the position AND the
 * query it continues (table, index, key condition, filters and their values). A cursor edited,
 * forged, or carried over to another query (another partition, another filter) fails the MAC and is
 * a 400 — it never reaches DynamoDB as an `ExclusiveStartKey` ("starting key does not match" is a
 * 500 there).
 *
 * The key (a random string, ≥ 32 characters): in AWS read from a generated Secrets Manager secret at
 * run time, before each invocation (setCursorKey, from functions/shared/duty.ts; cached by Powertools
 * Parameters); locally `CURSOR_SIGNING_KEY`, from a key file in DATA_DIR (infra/local/runtime.ts).
 * Without either (unit tests calling a repository directly) a random per-process key: cursors then
 * live as long as the process, which is all such a caller needs.
 */
let cachedKey: Buffer | undefined;
const signingKey = (): Buffer => {
  if (!cachedKey) {
    const configured = process.env[env.cursorKey];
    cachedKey = configured ? Buffer.from(configured, 'utf8') : randomBytes(32);
  }
  return cachedKey;
};

const mac = (payload: string, binding: unknown): string =>
  createHmac('sha256', signingKey())
    .update(payload)
    .update('\n')
    .update(JSON.stringify(binding))
    .digest('base64url');

const invalid = () =>
  new ValidationError('Invalid cursor', [
    { path: 'query.cursor', message: 'Not a cursor this API issued for this query' },
  ]);

/** A cursor for `position`, valid only for the query described by `binding` (any JSON value). */
export const sealCursor = (position: unknown, binding: unknown): string => {
  const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
  return `${payload}.${mac(payload, binding)}`;
};

/**
 * The position in a cursor issued by sealCursor for the same `binding`; undefined for no cursor.
 * @throws ValidationError (400) for anything else.
 */
export const openCursor = <T = Record<string, unknown>>(
  cursor: string | undefined,
  binding: unknown,
): T | undefined => {
  if (cursor === undefined || cursor === '') return undefined;
  const [payload, sig, ...rest] = cursor.split('.');
  if (!payload || !sig || rest.length) throw invalid();
  const expected = Buffer.from(mac(payload, binding));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
  try {
    const v: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (!v || typeof v !== 'object') throw invalid();
    return v as T;
  } catch {
    throw invalid();
  }
};

/** Signs and checks cursors with this key from now on (the value of the stage's secret, in AWS). */
export const setCursorKey = (key: string): void => {
  if (cachedKey?.toString('utf8') !== key) cachedKey = Buffer.from(key, 'utf8');
};

/** Test seam: sign with this key from now on (undefined: read the environment again). */
export const setCursorKeyForTests = (key: string | undefined): void => {
  cachedKey = key ? Buffer.from(key, 'utf8') : undefined;
};
