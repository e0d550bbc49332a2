import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { isProduction, type Stage } from './config.js';
import { markDeclared, type PlatformDeclaration, pascal } from './declaration.js';

const key = (name: string) => ({ name, type: AttributeType.STRING });

/** One DynamoDB table per declared table; every key attribute is a string (see infra/system.ts). */
export class DataTables extends Construct {
  readonly byName: ReadonlyMap<string, TableV2>;

  constructor(scope: Construct, id: string, props: { stage: Stage; tables: PlatformDeclaration['tables'] }) {
    super(scope, id);
    const prod = isProduction(props.stage);
    const byName = new Map<string, TableV2>();
    for (const [name, decl] of Object.entries(props.tables)) {
      const table = new TableV2(this, pascal(name), {
        partitionKey: key(decl.partitionKey),
        ...(decl.sortKey ? { sortKey: key(decl.sortKey) } : {}),
        globalSecondaryIndexes: Object.entries(decl.indexes ?? {}).map(([indexName, index]) => ({
          indexName,
          partitionKey: key(index.partitionKey),
          ...(index.sortKey ? { sortKey: key(index.sortKey) } : {}),
          projectionType: ProjectionType.ALL,
        })),
        ...(decl.timeToLive ? { timeToLiveAttribute: decl.timeToLive } : {}),
        // On-demand: traffic is bursty (announcement windows) and small; no capacity to tune.
        billing: Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryptionV2.awsManagedKey(),
        // Production data (catalog, grants, the audit trail of Art. 18) must survive a stack mistake;
        // dev stacks are disposable.
        deletionProtection: prod,
        removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
      });
      markDeclared(table, 'table', name);
      byName.set(name, table);
    }
    this.byName = byName;
  }
}
