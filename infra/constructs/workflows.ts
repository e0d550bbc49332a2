import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ArnFormat, Aws, Stack, Validations } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { withCorrelationParameter } from '../asl.js';
import { functionArnPlaceholder, PARTITION_PLACEHOLDER } from '../system.js';
import { type Stage, stageSettings } from './config.js';
import { markDeclared, nagRegion, type PlatformDeclaration, pascal, ROOT } from './declaration.js';
import { type PlatformFunctions, stateMachineArn, stateMachineName } from './functions.js';

/**
 * One Standard state machine per declared workflow, defined by its ASL file. Each `${XFunctionArn}`
 * placeholder of the file becomes the ARN of declared function X, which the machine may invoke.
 */
export class Workflows extends Construct {
  readonly byName: ReadonlyMap<string, StateMachine>;

  constructor(
    scope: Construct,
    id: string,
    props: {
      stage: Stage;
      stateMachines: PlatformDeclaration['stateMachines'];
      functions: PlatformFunctions;
    },
  ) {
    super(scope, id);
    const settings = stageSettings(props.stage);
    const byName = new Map<string, StateMachine>();
    for (const [name, decl] of Object.entries(props.stateMachines)) {
      const cid = pascal(name);
      const fns = decl.functions.map((f) => [f, props.functions.get(f)] as const);
      const logGroup = new LogGroup(this, `${cid}Logs`, {
        // Step Functions delivers logs as "vended logs"; this prefix keeps the log resource policy small.
        logGroupName: `/aws/vendedlogs/states/${stateMachineName(props.stage, name)}`,
        retention: settings.logRetention,
        removalPolicy: settings.removalPolicy,
      });
      const machine = new StateMachine(this, cid, {
        // The functions that start this machine build its ARN from this name (see stateMachineArn).
        stateMachineName: stateMachineName(props.stage, name),
        stateMachineType: StateMachineType.STANDARD,
        comment: decl.description,
        // The ASL file, with the correlation id passed to every Lambda task (the local runtime does the same).
        definitionBody: DefinitionBody.fromString(
          JSON.stringify(
            withCorrelationParameter(JSON.parse(readFileSync(resolve(ROOT, decl.file), 'utf8'))),
          ),
        ),
        definitionSubstitutions: {
          ...Object.fromEntries(fns.map(([f, fn]) => [functionArnPlaceholder(f), fn.functionArn])),
          // Service integration ARNs (`arn:${Partition}:states:::lambda:invoke`) in aws and aws-cn alike.
          [PARTITION_PLACEHOLDER]: Aws.PARTITION,
        },
        // Execution data holds applications and personal data; the log keeps the path, not the payload.
        logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: false },
        tracingEnabled: true,
        removalPolicy: settings.removalPolicy,
      });
      // Exactly the unqualified ARNs the definition names (no `:*` for versions or aliases).
      machine.addToRolePolicy(
        new PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: fns.map(([, fn]) => fn.functionArn),
        }),
      );
      // A Distributed Map runs its items as child executions of this machine: it may start them and follow
      // them (the policy AWS documents for Distributed Map), nothing else.
      if (readFileSync(resolve(ROOT, decl.file), 'utf8').includes('"DISTRIBUTED"')) {
        const arn = stateMachineArn(this, props.stage, name);
        machine.addToRolePolicy(
          new PolicyStatement({ actions: ['states:StartExecution'], resources: [arn] }),
        );
        machine.addToRolePolicy(
          new PolicyStatement({
            actions: ['states:DescribeExecution', 'states:StopExecution'],
            resources: [
              Stack.of(this).formatArn({
                service: 'states',
                resource: 'execution',
                resourceName: `${stateMachineName(props.stage, name)}/*`,
                arnFormat: ArnFormat.COLON_RESOURCE_NAME,
              }),
            ],
          }),
        );
        Validations.of(machine.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:${nagRegion(this)}:<AWS::AccountId>:execution:${stateMachineName(props.stage, name)}/*]`,
          reason:
            'Distributed Map child executions have generated names under this machine; the wildcard covers only them.',
        });
      }
      Validations.of(machine.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only actions without resource-level permissions use "*": xray:PutTraceSegments, xray:PutTelemetryRecords, ' +
          'xray:GetSamplingRules and xray:GetSamplingTargets (tracing) and the CloudWatch Logs log-delivery actions ' +
          '(logs:CreateLogDelivery etc.) that Step Functions logging requires.',
      });
      markDeclared(machine, 'stateMachine', name);
      byName.set(name, machine);
    }
    this.byName = byName;
  }
}
