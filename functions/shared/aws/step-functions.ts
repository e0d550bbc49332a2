import {
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { env } from '../../../infra/system.js';
import { withCorrelation } from '../context.js';
import type { WorkflowEngine } from '../deps.js';

export const stepFunctionsEngine = (client = new SFNClient({})): WorkflowEngine => ({
  async start(machine, executionName, input) {
    const arn = process.env[env.stateMachine(machine)];
    if (!arn) throw new Error(`Missing environment variable ${env.stateMachine(machine)}`);
    try {
      await client.send(
        new StartExecutionCommand({
          stateMachineArn: arn,
          name: executionName,
          // Every execution carries the correlation id its Lambda tasks pass on (infra/asl.ts).
          input: JSON.stringify(withCorrelation(input ?? {}, executionName)),
        }),
      );
    } catch (e) {
      // Same name and input: Step Functions' own idempotency; the execution already runs.
      if ((e as { name?: string }).name !== 'ExecutionAlreadyExists') throw e;
    }
  },
  async succeed(taskToken, output) {
    await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  },
  async fail(taskToken, error, cause) {
    await client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
  },
});
