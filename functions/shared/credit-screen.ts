/**
 * Art. 9 screening against the credit list, as every duty that must screen again reads it: the
 * selection when the government approves (applications) and the agreement when it would take effect
 * (grants). The list itself is kept by the applications duty; this reader only Queries its subject
 * index (never a Scan), so any function granted read access to `creditList` can screen.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from './deps.js';
import { normalizeName } from './names.js';

export interface CreditListing {
  readonly id: string;
  readonly subjectType: 'organisation' | 'legal-representative';
  readonly list: 'dishonest-judgment-debtor' | 'major-tax-violation' | 'serious-violation';
  readonly source: string;
  readonly listedAt: string;
  readonly removedAt?: string;
}

/** An entry counts from its listing until its removal. */
export const inForce = (e: { listedAt: string; removedAt?: string | undefined }, now: Date): boolean =>
  new Date(e.listedAt).getTime() <= now.getTime() &&
  (!e.removedAt || new Date(e.removedAt).getTime() > now.getTime());

/** The subject keys of an organisation and (optionally) its legal representative. */
export const subjectKeys = (
  creditCode: string,
  legalRep?: { personKey?: string | undefined; name?: string | undefined },
): string[] => [
  `ORG#${creditCode}`,
  ...(legalRep?.personKey ? [`PERSON#${legalRep.personKey}`] : []),
  ...(legalRep?.name ? [`NAME#${normalizeName(legalRep.name)}`] : []),
];

/** The listings in force at `now` for any of `keys`; organisation listings first. */
export const listingsInForce = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  keys: readonly string[],
  now: Date,
): Promise<CreditListing[]> => {
  const table = tableName(deps, 'creditList');
  const found = await Promise.all(
    [...new Set(keys)].map(async (k) => {
      const items: Record<string, unknown>[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const out = await deps.db.send(
          new QueryCommand({
            TableName: table,
            IndexName: 'bySubject',
            KeyConditionExpression: 'subjectKey = :k',
            ExpressionAttributeValues: { ':k': k },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        items.push(...(out.Items ?? []));
        start = out.LastEvaluatedKey;
      } while (start);
      return items as unknown as CreditListing[];
    }),
  );
  return found
    .flat()
    .filter((e) => inForce(e, now))
    .sort((a, b) => (a.subjectType === b.subjectType ? 0 : a.subjectType === 'organisation' ? -1 : 1));
};

const LIST_ZH: Record<CreditListing['list'], string> = {
  'dishonest-judgment-debtor': '失信被执行人名单',
  'major-tax-violation': '重大税收违法案件当事人名单',
  'serious-violation': '严重违法失信记录',
};

/** The reason a listing found on a later screening gives (Art. 9). */
export const listedReason = (l: CreditListing, when: string): string =>
  `${l.subjectType === 'organisation' ? '运营单位' : '法定代表人'}已列入${LIST_ZH[l.list]}（来源：${l.source}），${when}复核未通过。` +
  `The ${l.subjectType === 'organisation' ? 'operator' : 'legal representative'} is on the ${l.list} list (source: ${l.source}); screened again ${when === '政府审定时' ? 'at government approval' : 'when the agreement would take effect'} — Art. 9.`;
