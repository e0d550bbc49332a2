/**
 * Art. 18 (谁运营谁负责、谁使用谁负责): every record history names who acted — user, organisation,
 * role — and that organisation's principal responsible person (主要负责人) from the organisation
 * registry. One shape for every history (audit trail, catalog versions, governance requests, reports);
 * the registry entries of one response are read in one BatchGet (cached per warm container).
 */
import { z } from 'zod';
import { type Deps, tableName } from './deps.js';
import { readOrganisationsBatch } from './organisations.js';
import { queryAll } from './query.js';

/** Who acted, as a stored record names it (any of the fields may be missing on old records). */
export interface ActorRef {
  readonly userId?: string | null;
  readonly org?: string | null;
  readonly role?: string | null;
}

/** Resolves an organisation code to its registry name and principal responsible person. */
export interface PrincipalResolver {
  (org: string, at?: string): string | null;
  readonly nameOf: (org: string) => string | null;
}

/** The actor of a history entry, as every history route documents it (OpenAPI). */
export const ActorView = z.object({
  /** Null where the caller may not see the user (the public view of a catalog decision). */
  userId: z.string().nullable(),
  role: z.string(),
  org: z.string(),
  /** The organisation's name in the registry, null when unregistered. */
  organisationName: z.string().nullable(),
  /** 主要负责人 of the organisation: from the organisation registry when registered, else null. */
  principalPerson: z.string().nullable(),
});
export type ActorView = z.infer<typeof ActorView>;

/**
 * The registry entries of every organisation named in `orgs`, read once (BatchGet) for a response.
 * Unregistered organisations resolve to null.
 */
export const principalsOf = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  orgs: Iterable<string | null | undefined>,
): Promise<PrincipalResolver> => {
  const codes = new Set<string>();
  for (const o of orgs) if (typeof o === 'string' && o) codes.add(o);
  const found = await readOrganisationsBatch(deps, [...codes]);
  const resolve = ((org: string) => found.get(org)?.principal?.name ?? null) as PrincipalResolver;
  return Object.assign(resolve, { nameOf: (org: string) => found.get(org)?.name ?? null });
};

/** The organisations named by the `actor` of stored items (audit events). */
export const actorOrgs = (items: readonly Record<string, unknown>[]) =>
  items
    .map((i) => (i.actor as { org?: unknown } | undefined)?.org)
    .filter((o): o is string => typeof o === 'string');

/** One actor in the shared shape. */
export const actorView = (
  a: ActorRef,
  resolve: PrincipalResolver,
  opts: { hideUser?: boolean } = {},
): ActorView => {
  const org = a.org ?? '';
  return {
    userId: opts.hideUser ? null : (a.userId ?? ''),
    role: a.role ?? 'system',
    org,
    organisationName: org ? resolve.nameOf(org) : null,
    principalPerson: org ? resolve(org) : null,
  };
};

/** One entry of a record history (other fields per record kind). */
export const HistoryEntryView = z.looseObject({ actor: ActorView.nullable() });

/**
 * The response schema of a record read that carries its history under `field` (OpenAPI): the
 * record's own fields, and the history entries each with its `actor`.
 */
export const withHistory = (field: string, description: string) =>
  z.looseObject({ [field]: z.array(HistoryEntryView).describe(description) });

/** Events of a record's history returned with the record (the rest: GET /audit/events?resource=). */
export const HISTORY_MAX = 200;

/** One step of a record's history as the audit trail recorded it (its hash chain: /audit/verify). */
export const AuditHistoryEntry = z.object({
  seq: z.number(),
  at: z.string(),
  action: z.string(),
  actor: ActorView,
});
export type AuditHistoryEntry = z.infer<typeof AuditHistoryEntry>;

/**
 * The history of a record whose state lives in one item (applications, grants, data demands): its
 * audit events, oldest first — the audit trail is the history (every change is audited in its own
 * transaction, functions/shared/store.ts). The first HISTORY_MAX events; one BatchGet for the actors.
 */
export const resourceHistory = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  resource: string,
): Promise<{ history: AuditHistoryEntry[]; historyComplete: boolean }> => {
  const items = await queryAll(
    deps,
    {
      TableName: tableName(deps, 'audit'),
      KeyConditionExpression: '#r = :r',
      ExpressionAttributeNames: { '#r': 'resource' },
      ExpressionAttributeValues: { ':r': resource },
      ScanIndexForward: true,
    },
    HISTORY_MAX + 1,
  );
  const shown = items.slice(0, HISTORY_MAX);
  const resolve = await principalsOf(deps, actorOrgs(shown));
  return {
    history: shown.map((i) => ({
      seq: Number(i.seq ?? 0),
      at: String(i.at ?? ''),
      action: String(i.action ?? ''),
      actor: actorView((i.actor ?? {}) as ActorRef, resolve),
    })),
    historyComplete: items.length <= HISTORY_MAX,
  };
};

/** The response schema of a record read with its audit history (OpenAPI). */
export const withAuditHistory = () =>
  z.looseObject({
    history: z
      .array(AuditHistoryEntry)
      .describe('The record’s audit events, oldest first, each naming who acted and the 主要负责人'),
    historyComplete: z.boolean().describe(`False when the record has more than ${HISTORY_MAX} events`),
  });
