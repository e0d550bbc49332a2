import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase } from 'aws-cdk-lib/aws-glue';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PROCESSING_ENV } from '../../functions/processing/aws.js';
import { isProduction, type Stage, stageSettings } from './config.js';
import { nagReference, nagRegion } from './declaration.js';

/** Bytes one Athena query may scan before the workgroup cancels it (10 GiB). */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

/**
 * What processing needs in AWS (Art. 16-18: data processed on the platform, results checked before they
 * leave): one private, encrypted bucket for datasets, outputs and Athena results, a Glue database for
 * the dataset tables, an Athena workgroup per stage with a bytes-scanned limit, and the processing
 * function's least-privilege access to exactly those.
 */
export class ProcessingResources extends Construct {
  readonly bucket: Bucket;
  readonly database: CfnDatabase;
  readonly workgroup: CfnWorkGroup;

  constructor(scope: Construct, id: string, props: { stage: Stage; fn: NodejsFunction }) {
    super(scope, id);
    const { stage, fn } = props;
    const settings = stageSettings(stage);
    const stack = Stack.of(this);
    // Server access logs are delivered under a bucket policy, not the deprecated LogDeliveryWrite ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const logs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // No ACLs: S3 server access logging is granted by a bucket policy instead.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: settings.removalPolicy,
      autoDeleteObjects: false,
      lifecycleRules: [{ expiration: Duration.days(isProduction(stage) ? 400 : 30) }],
    });

    this.bucket = new Bucket(this, 'Data', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'data/',
      removalPolicy: settings.removalPolicy,
      lifecycleRules: [
        { prefix: 'athena-results/', expiration: Duration.days(7) },
        { prefix: 'outputs/', noncurrentVersionExpiration: Duration.days(30) },
      ],
    });

    const databaseName = `shiyan_${stage}_processing`;
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: stack.account,
      databaseInput: {
        name: databaseName,
        description: 'Datasets of approved catalog entries (one table per version)',
      },
    });

    this.workgroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: `shiyan-${stage}-jobs`,
      description: 'Operator jobs: bytes-scanned limit per query, results encrypted in the data bucket',
      // A production workgroup (prod, cn-prod…) is never deleted with its query history: deleting the
      // stack fails on it instead, like on the retained bucket.
      recursiveDeleteOption: !isProduction(stage),
      workGroupConfiguration: {
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        resultConfiguration: {
          outputLocation: `s3://${this.bucket.bucketName}/athena-results/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    // Least privilege: the function reaches its prefixes of its bucket, its database and its workgroup.
    fn.addEnvironment(PROCESSING_ENV.bucket, this.bucket.bucketName);
    fn.addEnvironment(PROCESSING_ENV.glueDatabase, databaseName);
    fn.addEnvironment(PROCESSING_ENV.workgroup, this.workgroup.name);
    const prefixes = ['datasets/*', 'outputs/*', 'athena-results/*'];
    fn.addToRolePolicy(
      new PolicyStatement({
        // Explicit actions (no `s3:Get*`): read and write objects; Athena writes results with these too.
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        resources: prefixes.map((p) => this.bucket.arnForObjects(p)),
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['s3:GetBucketLocation', 's3:ListBucket'],
        resources: [this.bucket.bucketArn],
      }),
    );
    const glueArn = (what: string) =>
      stack.formatArn({ service: 'glue', resource: what, resourceName: undefined });
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'glue:GetDatabase',
          'glue:GetTable',
          'glue:GetTables',
          'glue:CreateTable',
          'glue:GetPartitions',
        ],
        resources: [
          glueArn('catalog'),
          stack.formatArn({ service: 'glue', resource: 'database', resourceName: databaseName }),
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName}/*` }),
        ],
      }),
    );
    const role = fn.role;
    if (role) {
      const bucketArn = nagReference(role, this.bucket.node.defaultChild as CfnBucket, 'Arn');
      for (const p of prefixes)
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${bucketArn}/${p}]`,
          reason: `Object keys under ${p} are created per upload, job or query (ids unknown at deploy time); the grant stops at this prefix of the processing bucket.`,
        });
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:${nagRegion(this)}:<AWS::AccountId>:table/${databaseName}/*]`,
        reason:
          'One Glue table is created per dataset version at upload time (names unknown at deploy); the grant covers only tables of this stage’s processing database.',
      });
    }
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: [
          'athena:StartQueryExecution',
          'athena:GetQueryExecution',
          'athena:GetQueryResults',
          'athena:StopQueryExecution',
        ],
        resources: [
          stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workgroup.name }),
        ],
      }),
    );
  }
}
