/**
 * The AWS redrive path (npm run redrive): each kind of dead-letter message becomes the invocation that
 * failed, the function is invoked again asynchronously, and only then is the message deleted.
 */
import type { InvokeCommand } from '@aws-sdk/client-lambda';
import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { parseDeadLetter } from '../../infra/ops/dead-letters.js';
import { redriveQueues } from '../../infra/ops/redrive.js';

const FN = 'arn:aws-cn:lambda:cn-northwest-1:123456789012:function:cn-prod-Entitlements';
const suspended = {
  id: 'e1',
  source: 'shiyan.grants',
  'detail-type': 'GrantSuspended',
  detail: { grantId: 'gr_1' },
};

describe('dead-letter messages', () => {
  it('reads a Lambda on-failure destination record (qualified ARN → the function)', () => {
    const body = JSON.stringify({
      version: '1.0',
      requestContext: {
        functionArn: `${FN}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      requestPayload: suspended,
      responsePayload: { errorMessage: 'table throttled' },
    });
    expect(parseDeadLetter(body)).toEqual({
      functionArn: FN,
      payload: suspended,
      reason: 'RetriesExhausted: table throttled',
    });
  });

  it('reads an event rule dead letter and a scheduler dead letter by their target attribute', () => {
    expect(
      parseDeadLetter(JSON.stringify(suspended), {
        TARGET_ARN: { StringValue: FN },
        ERROR_CODE: { StringValue: 'ThrottlingException' },
      }),
    ).toEqual({ functionArn: FN, payload: suspended, reason: 'ThrottlingException' });
    expect(
      parseDeadLetter(JSON.stringify({ schedule: 'grant-expiry' }), {
        'X-Amz-Scheduler-Target-Arn': { StringValue: FN },
      }),
    ).toMatchObject({ functionArn: FN, payload: { schedule: 'grant-expiry' } });
  });

  it('refuses a message it cannot place', () => {
    expect(() => parseDeadLetter('not json')).toThrow(/not JSON/);
    expect(() => parseDeadLetter('{"a":1}')).toThrow(/names no target/);
  });
});

describe('redriveQueues', () => {
  it('invokes the function again with the original payload, then deletes; keeps what it cannot place', async () => {
    const sent: unknown[] = [];
    let received = 0;
    const sqs = {
      send: async (c: unknown) => {
        sent.push(c);
        if (c instanceof ReceiveMessageCommand) {
          received++;
          if (received > 1) return { Messages: [] };
          return {
            Messages: [
              {
                MessageId: 'm1',
                ReceiptHandle: 'r1',
                Body: JSON.stringify(suspended),
                MessageAttributes: { TARGET_ARN: { StringValue: FN } },
              },
              { MessageId: 'm2', ReceiptHandle: 'r2', Body: 'garbage' },
            ],
          };
        }
        return {};
      },
    };
    const invoked: InvokeCommand[] = [];
    const lambda = { send: async (c: InvokeCommand) => (invoked.push(c), { StatusCode: 202 }) };

    const [report] = await redriveQueues({ sqs, lambda } as never, ['https://sqs/q']);

    expect(invoked).toHaveLength(1);
    expect(invoked[0]!.input).toMatchObject({ FunctionName: FN, InvocationType: 'Event' });
    expect(JSON.parse(new TextDecoder().decode(invoked[0]!.input.Payload as Uint8Array))).toEqual(suspended);
    const deletes = sent.filter((c) => c instanceof DeleteMessageCommand) as DeleteMessageCommand[];
    expect(deletes.map((d) => d.input.ReceiptHandle)).toEqual(['r1']);
    expect(report).toMatchObject({ redriven: 1, kept: [{ messageId: 'm2' }] });
  });

  it('deletes nothing when the invocation is refused', async () => {
    const sent: unknown[] = [];
    let n = 0;
    const sqs = {
      send: async (c: unknown) => {
        sent.push(c);
        if (c instanceof ReceiveMessageCommand)
          return n++
            ? {}
            : {
                Messages: [
                  {
                    MessageId: 'm1',
                    ReceiptHandle: 'r1',
                    Body: JSON.stringify({ schedule: 'x' }),
                    MessageAttributes: { 'X-Amz-Scheduler-Target-Arn': { StringValue: FN } },
                  },
                ],
              };
        return {};
      },
    };
    const lambda = { send: async () => Promise.reject(new Error('AccessDenied')) };
    const [report] = await redriveQueues({ sqs, lambda } as never, ['https://sqs/q']);
    expect(sent.some((c) => c instanceof DeleteMessageCommand)).toBe(false);
    expect(report).toMatchObject({ redriven: 0, kept: [{ messageId: 'm1', why: 'AccessDenied' }] });
  });
});

describe('the deploy commands', () => {
  it('deploy, diff and destroy name the stage stack(s) and its context; destroy refuses production', async () => {
    const { cdkArgs } = await import('../../infra/ops/cli.js');
    // A stage with a CloudFront portal deploys its us-east-1 edge stack (web ACL, certificate) first.
    expect(cdkArgs('deploy', 'dev')).toEqual([
      'deploy',
      'ShiyanData-dev-edge',
      'ShiyanData-dev',
      '-c',
      'stage=dev',
      '--require-approval',
      'never',
    ]);
    expect(cdkArgs('deploy', 'prod')).toContain('broadening');
    expect(cdkArgs('diff', 'cn-prod', ['--profile', 'cn'])).toEqual([
      'diff',
      'ShiyanData-cn-prod',
      '-c',
      'stage=cn-prod',
      '--profile',
      'cn',
    ]);
    expect(cdkArgs('destroy', 'dev')).toEqual(
      expect.arrayContaining(['ShiyanData-dev', 'ShiyanData-dev-edge']),
    );
    expect(() => cdkArgs('destroy', 'prod')).toThrow(/production: destroy is refused/);
    expect(() => cdkArgs('destroy', 'cn-prod')).toThrow(/production: destroy is refused/);
    expect(cdkArgs('bootstrap', 'cn-prod')[0]).toBe('bootstrap');
  });
});
