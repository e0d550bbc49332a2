/**
 * `npm run redrive -- --stage <stage> [--queue <part of a name>] [--dry-run]`
 *
 * Puts dead-lettered work back: for every `<stage>-dlq-*` queue (or those whose name contains
 * `--queue`), each message is turned back into the invocation that failed (infra/ops/dead-letters.ts)
 * and the function is invoked again asynchronously — so its retries and its on-failure destination
 * apply once more — and the message is deleted only once that invocation was accepted. Consumers and
 * scheduled jobs are idempotent, so a redrive of work that partly happened is safe.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { parseStage, stageConfig } from '../constructs/config.js';
import { parseDeadLetter } from './dead-letters.js';

export interface RedriveClients {
  readonly sqs: Pick<SQSClient, 'send'>;
  readonly lambda: Pick<LambdaClient, 'send'>;
}

export interface RedriveReport {
  readonly queue: string;
  redriven: number;
  readonly kept: { readonly messageId: string; readonly why: string }[];
}

/** Redrives every message of the given queues; a message that cannot be redriven stays in its queue. */
export const redriveQueues = async (
  clients: RedriveClients,
  queueUrls: readonly string[],
  opts: { dryRun?: boolean; log?: (line: string) => void } = {},
): Promise<RedriveReport[]> => {
  const log = opts.log ?? (() => undefined);
  const reports: RedriveReport[] = [];
  for (const queueUrl of queueUrls) {
    const report: RedriveReport = { queue: queueUrl, redriven: 0, kept: [] };
    const seen = new Set<string>();
    for (;;) {
      const out = await clients.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          MessageAttributeNames: ['All'],
          // Long enough to invoke and delete; a message not deleted comes back after it.
          VisibilityTimeout: 60,
          WaitTimeSeconds: 1,
        }),
      );
      const messages = (out.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (messages.length === 0) break;
      for (const m of messages) {
        const id = m.MessageId ?? '';
        seen.add(id);
        try {
          const redo = parseDeadLetter(m.Body ?? '', m.MessageAttributes);
          log(`${opts.dryRun ? 'would redrive' : 'redriving'} ${id} → ${redo.functionArn} (${redo.reason})`);
          if (opts.dryRun) continue;
          await clients.lambda.send(
            new InvokeCommand({
              FunctionName: redo.functionArn,
              InvocationType: 'Event',
              Payload: new TextEncoder().encode(JSON.stringify(redo.payload)),
            }),
          );
          await clients.sqs.send(
            new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }),
          );
          report.redriven++;
        } catch (e) {
          report.kept.push({ messageId: id, why: (e as Error).message });
          log(`kept ${id}: ${(e as Error).message}`);
        }
      }
    }
    reports.push(report);
  }
  return reports;
};

const main = async () => {
  const args = process.argv.slice(2);
  const arg = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const stage = parseStage(arg('stage'));
  const config = stageConfig(stage);
  const sqs = new SQSClient({ region: config.region });
  const lambda = new LambdaClient({ region: config.region });
  const listed = await sqs.send(
    new ListQueuesCommand({ QueueNamePrefix: `${stage}-dlq-`, MaxResults: 1000 }),
  );
  const filter = arg('queue');
  const urls = (listed.QueueUrls ?? []).filter((u) => !filter || u.includes(filter));
  if (urls.length === 0) {
    console.log(`No dead-letter queue of stage ${stage}${filter ? ` matching ${filter}` : ''}.`);
    return;
  }
  const reports = await redriveQueues({ sqs, lambda }, urls, {
    dryRun: args.includes('--dry-run'),
    log: (l) => console.log(l),
  });
  for (const r of reports) console.log(`${r.queue}: ${r.redriven} redriven, ${r.kept.length} kept`);
  if (reports.some((r) => r.kept.length > 0)) process.exitCode = 1;
};

if (import.meta.url === `file://${process.argv[1]}`) await main();
