/**
 * Issue 7, kind 3: DynamoDB errors that are nobody's fault (a transaction cancelled by a concurrent one,
 * throttling) answer 409 / 503 with `Retry-After`, never 500; cursors are the API's own.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SettableClock } from '../../functions/shared/clock.js';
import { openCursor, sealCursor } from '../../functions/shared/cursor.js';
import type { Deps } from '../../functions/shared/deps.js';
import { ServiceUnavailableError, TransactionConflictError } from '../../functions/shared/errors.js';
import { type HttpEvent, httpRouter, route } from '../../functions/shared/http.js';
import { queryPage } from '../../functions/shared/query.js';
import { Transaction } from '../../functions/shared/store.js';

/** An AWS SDK v3 service error as the client throws it. */
const awsError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name}: stubbed`), { name, $fault: 'client', ...extra });

const cancelled = (...codes: string[]) =>
  awsError('TransactionCanceledException', { CancellationReasons: codes.map((Code) => ({ Code })) });

/** Every write fails with `error`; reads (the audit chain's head) find nothing. */
const stubDeps = (error: Error): Deps => ({
  db: {
    send: (command: object) =>
      command instanceof QueryCommand ? Promise.resolve({ Items: [] }) : Promise.reject(error),
  } as unknown as DynamoDBDocumentClient,
  tables: { catalog: 'catalog', audit: 'audit', idempotency: 'idempotency', outbox: 'outbox' },
  clock: new SettableClock(),
  logger: new Logger({ logLevel: 'SILENT' }),
  tokens: () => {
    throw new Error('no tokens');
  },
  events: { publish: () => Promise.resolve() },
  personKeys: { lookupKey: () => Promise.reject(new Error('unused')) },
  authorityOrg: '11420300MB1A00001X',
  workflows: {
    start: () => Promise.resolve(),
    succeed: () => Promise.resolve(),
    fail: () => Promise.resolve(),
  },
});

const actor = {
  principal: { userId: 'u1', role: 'provider', roles: ['provider'], org: '11420300MB1A000040' },
  requestId: 'r1',
  now: new Date('2027-01-01T00:00:00Z'),
} as never;

const commitWith = (error: Error) =>
  new Transaction(stubDeps(error), actor)
    .put('catalog', { pk: 'X', sk: 'Y' })
    .audit({ action: 'probe', resource: 'x/1' })
    .commit();

describe('a cancelled or throttled transaction', () => {
  it('cancelled by a concurrent transaction (TransactionConflict) is a 409 transaction_conflict', async () => {
    await expect(commitWith(cancelled('TransactionConflict', 'None'))).rejects.toBeInstanceOf(
      TransactionConflictError,
    );
    await expect(commitWith(awsError('TransactionConflictException'))).rejects.toMatchObject({
      status: 409,
      code: 'transaction_conflict',
      retryAfterSeconds: 1,
    });
  });

  it.each(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded'])(
    '%s is a 503 with a retry hint',
    async (name) => {
      await expect(commitWith(awsError(name))).rejects.toBeInstanceOf(ServiceUnavailableError);
    },
  );

  it.each(['ThrottlingError', 'ProvisionedThroughputExceeded'])(
    'a transaction cancelled for %s is a 503',
    async (code) => {
      await expect(commitWith(cancelled('None', code))).rejects.toMatchObject({ status: 503 });
    },
  );

  it('a failed condition still names the operation that failed', async () => {
    await expect(commitWith(cancelled('ConditionalCheckFailed', 'None'))).rejects.toMatchObject({
      code: 'stale_version',
    });
  });
});

describe('the HTTP edge', () => {
  const event = (routeKey: string): HttpEvent =>
    ({
      version: '2.0',
      routeKey,
      rawPath: '/catalog',
      rawQueryString: '',
      headers: {},
      requestContext: { requestId: 'r', http: { method: 'GET', path: '/catalog' } },
      isBase64Encoded: false,
    }) as unknown as HttpEvent;

  const listing = (error: Error) =>
    httpRouter(
      'catalog',
      {
        listCatalogEntries: route({
          query: z.object({}),
          handle: async ({ deps }) => {
            await deps.db.send({} as never);
            return { status: 200, body: {} };
          },
        }),
      },
      stubDeps(error),
    );

  it.each([
    ['ProvisionedThroughputExceededException', 503, 'temporarily_unavailable'],
    ['ThrottlingException', 503, 'temporarily_unavailable'],
    ['RequestLimitExceeded', 503, 'temporarily_unavailable'],
    ['TransactionConflictException', 409, 'transaction_conflict'],
  ])('answers %s from any DynamoDB call with %i and Retry-After', async (name, status, code) => {
    const res = await listing(awsError(name))(event('GET /catalog'), 'r');
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(String(res.body))).toMatchObject({ error: { code } });
    expect(Number(res.headers?.['retry-after'])).toBeGreaterThan(0);
  });

  it('still answers a genuine bug with an opaque 500', async () => {
    const res = await listing(new TypeError('x is undefined'))(event('GET /catalog'), 'r');
    expect(res.statusCode).toBe(500);
    expect(res.headers?.['retry-after']).toBeUndefined();
  });

  it('answers the $default route with the platform 404 body', async () => {
    const res = await listing(new Error('unused'))(event('$default'), 'r');
    expect(res.statusCode).toBe(404);
    expect(JSON.parse(String(res.body))).toMatchObject({ error: { code: 'not_found' } });
  });
});

describe('pagination cursors', () => {
  const binding = ['catalog', 'byListing', { ':k': 'PUBLIC' }];

  it('opens only a cursor sealed for the same query', () => {
    const cursor = sealCursor({ pk: 'A', sk: 'B' }, binding);
    expect(openCursor(cursor, binding)).toEqual({ pk: 'A', sk: 'B' });
    expect(() => openCursor(cursor, ['catalog', 'byListing', { ':k': 'other' }])).toThrow('Invalid cursor');
    const [payload, mac] = cursor.split('.');
    const edited = `${Buffer.from(JSON.stringify({ pk: 'Z', sk: 'B' })).toString('base64url')}.${mac}`;
    expect(payload).toBeTruthy();
    expect(() => openCursor(edited, binding)).toThrow('Invalid cursor');
    expect(() => openCursor(Buffer.from('{"pk":"A"}').toString('base64url'), binding)).toThrow(
      'Invalid cursor',
    );
  });

  it('never sends a cursor of another query to DynamoDB', async () => {
    const sent: unknown[] = [];
    const deps = {
      db: {
        send: (c: unknown) => {
          sent.push(c);
          return Promise.resolve({ Items: [] });
        },
      } as unknown as DynamoDBDocumentClient,
    };
    const input = {
      TableName: 'grants',
      IndexName: 'byListing',
      KeyConditionExpression: 'listing = :k',
      ExpressionAttributeValues: { ':k': 'PUBLIC' },
    };
    const foreign = sealCursor(
      { pk: 'GRANT#gr_x', sk: 'GRANT', listing: 'other', listingSort: 'x' },
      'another query',
    );
    await expect(
      queryPage(deps, input, {
        limit: 5,
        cursor: foreign,
        keyAttrs: ['pk', 'sk', 'listing', 'listingSort'],
        map: (i) => i,
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(sent).toHaveLength(0);
  });
});
