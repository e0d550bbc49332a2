import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';

/**
 * Read-only view of a grant (Contract B: the grants duty owns the table). The applications duty reads
 * a grant only to accept a renewal application (Art. 10.5).
 */
export interface GrantSummary {
  readonly id: string;
  readonly status: 'signing' | 'active' | 'suspended' | 'terminated' | 'expired';
  readonly operatorOrg: string;
  readonly grantorOrg: string;
  readonly grantorRole: 'authority' | 'provider';
  readonly grantorName?: string;
  readonly mode: 'comprehensive' | 'domain';
  readonly domain?: string;
  readonly scope: readonly string[];
  readonly announcementId: string;
  readonly applicationId: string;
  readonly effectiveFrom: string | null;
  readonly expiresAt: string | null;
}

export const readGrant = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  id: string,
): Promise<GrantSummary | undefined> => {
  const out = await deps.db.send(
    new GetCommand({
      TableName: tableName(deps, 'grants'),
      Key: { pk: `GRANT#${id}`, sk: 'GRANT' },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) return undefined;
  const i = out.Item as GrantSummary;
  return {
    id: i.id,
    status: i.status,
    operatorOrg: i.operatorOrg,
    grantorOrg: i.grantorOrg,
    grantorRole: i.grantorRole,
    ...(i.grantorName ? { grantorName: i.grantorName } : {}),
    mode: i.mode,
    ...(i.domain ? { domain: i.domain } : {}),
    scope: i.scope,
    announcementId: i.announcementId,
    applicationId: i.applicationId,
    effectiveFrom: i.effectiveFrom ?? null,
    expiresAt: i.expiresAt ?? null,
  };
};
