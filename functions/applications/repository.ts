import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { type Deps, tableName } from '../shared/deps.js';
import { ConflictError } from '../shared/errors.js';
import { strip } from '../shared/items.js';
import { batchGetAll, indexPage, type Page, queryAll, queryPage } from '../shared/query.js';
import type { Transaction } from '../shared/store.js';
import { type CreditListEntry, subjectKey } from './credit-list.js';
import {
  type Announcement,
  type Application,
  activeKey,
  isActive,
  SELECTION_TAKEN_REASON,
  takesSelectionSlot,
} from './domain.js';

/**
 * The applications table holds three item types, each in its own partition:
 * - `ANN#<id>` / `ANN`: an announcement (`listing` marks the public ones);
 * - `APP#<id>` / `APP`: an application (`appAnnouncement`, `appOperator`, `appReviewer` list it);
 * - `ACTIVE#<announcement>#<operator>` / `ACTIVE`: the uniqueness guard of an operator's active
 *   application, written in the same transaction as the application (race-free duplicate rule);
 * - `SELECTED#<announcement>` / `SELECTED`: the selection slot of a domain announcement (Art. 5: one
 *   operator), taken in the same transaction as the application entering signing.
 * Index attributes are derived from the record on every write.
 */
const annPk = (id: string) => `ANN#${id}`;
const appPk = (id: string) => `APP#${id}`;

const ANN_ATTRS = ['pk', 'sk', 'kind', 'createdSort', 'listing', 'listingSort'] as const;
const APP_ATTRS = [
  'pk',
  'sk',
  'kind',
  'createdSort',
  'appAnnouncement',
  'appOperator',
  'appReviewer',
] as const;

const annItem = (a: Announcement) => ({
  pk: annPk(a.id),
  sk: 'ANN',
  kind: 'announcement',
  ...a,
  createdSort: `${a.createdAt}#${a.id}`,
  ...(a.status !== 'draft'
    ? { listing: 'public', listingSort: `${a.publishedAt ?? a.createdAt}#${a.id}` }
    : {}),
});

const appItem = (a: Application) => ({
  pk: appPk(a.id),
  sk: 'APP',
  kind: 'application',
  ...a,
  createdSort: `${a.createdAt}#${a.id}`,
  appAnnouncement: a.announcementId,
  appOperator: a.operatorOrg,
  appReviewer: a.reviewerOrg,
});

/** The uniqueness guard: `active` is true while the application counts for the duplicate rule. */
const guardItem = (a: Application) => ({
  pk: activeKey(a),
  sk: 'ACTIVE',
  applicationId: a.id,
  active: isActive(a.status),
});

/** Art. 5: the selection slot of a domain announcement; `held` while its application signs or was approved. */
const slotKey = (announcementId: string) => ({ pk: `SELECTED#${announcementId}`, sk: 'SELECTED' });
const slotItem = (a: Application, held: boolean) => ({
  ...slotKey(a.announcementId),
  applicationId: a.id,
  operatorOrg: a.operatorOrg,
  held,
});

export interface SelectionSlot {
  readonly applicationId: string;
  readonly operatorOrg: string;
  readonly held: boolean;
}

/** Art. 5: another application of this domain announcement holds the selection (the error name is caught by the state machine). */
export class OperatorAlreadySelected extends ConflictError {
  constructor() {
    super(SELECTION_TAKEN_REASON, 'operator_already_selected');
  }
}

export class DuplicateApplication extends ConflictError {
  constructor() {
    super('You already have an active application for this announcement', 'duplicate_application');
  }
}

export const applicationsRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'applications');
  const getItem = async (key: { pk: string; sk: string }) =>
    (await deps.db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  return {
    async getAnnouncement(id: string): Promise<Announcement | undefined> {
      const item = await getItem({ pk: annPk(id), sk: 'ANN' });
      return item ? strip<Announcement>(item, ANN_ATTRS) : undefined;
    },

    createAnnouncement: (tx: Transaction, a: Announcement) => tx.create('applications', annItem(a), 'pk'),
    saveAnnouncement: (tx: Transaction, a: Announcement, previousVersion: number) =>
      tx.putVersioned('applications', annItem(a), previousVersion),

    /** Public: published and withdrawn announcements, newest first; the authority: every one. */
    async listAnnouncements(
      q: { status?: string; year?: number; limit: number; cursor?: string },
      everything: boolean,
    ): Promise<Page<Announcement>> {
      const [index, attr, value, sortAttr] = everything
        ? ['byKind', 'kind', 'announcement', 'createdSort']
        : ['byListing', 'listing', 'public', 'listingSort'];
      return indexPage(deps, {
        table,
        index,
        attr,
        value,
        equals: { status: q.status, year: q.year },
        keyAttrs: ['pk', 'sk', attr, sortAttr],
        limit: q.limit,
        cursor: q.cursor,
        map: (i) => strip<Announcement>(i, ANN_ATTRS),
      });
    },

    async getApplication(id: string): Promise<Application | undefined> {
      const item = await getItem({ pk: appPk(id), sk: 'APP' });
      return item ? strip<Application>(item, APP_ATTRS) : undefined;
    },

    /**
     * Adds a new application; an active one also takes the operator's uniqueness guard, which fails the
     * whole transaction (409) while another active application holds it.
     */
    createApplication(tx: Transaction, a: Application): Transaction {
      tx.create('applications', appItem(a), 'pk');
      if (!isActive(a.status)) return tx;
      return tx.put('applications', guardItem(a), {
        condition: 'attribute_not_exists(pk) OR #active = :false',
        names: { '#active': 'active' },
        values: { ':false': false },
        onConflict: () => new DuplicateApplication(),
      });
    },

    /**
     * Conditional replace of `before` by `a`. An application leaving the active states releases its
     * guard. Art. 5: a domain application entering signing takes its announcement's selection slot
     * (the whole transaction fails with OperatorAlreadySelected while another application holds it), and
     * leaves it again if it is rejected while signing.
     */
    saveApplication(tx: Transaction, a: Application, before: Application): Transaction {
      tx.putVersioned('applications', appItem(a), before.version);
      if (takesSelectionSlot(a) && a.status === 'signing' && before.status !== 'signing') {
        tx.put('applications', slotItem(a, true), {
          condition: 'attribute_not_exists(pk) OR #held = :false OR applicationId = :id',
          names: { '#held': 'held' },
          values: { ':false': false, ':id': a.id },
          onConflict: () => new OperatorAlreadySelected(),
        });
      }
      if (takesSelectionSlot(a) && before.status === 'signing' && a.status === 'rejected') {
        tx.put('applications', slotItem(a, false), {
          condition: 'attribute_not_exists(pk) OR applicationId = :id',
          values: { ':id': a.id },
        });
      }
      if (isActive(a.status)) return tx;
      return tx.put('applications', guardItem(a), {
        condition: 'attribute_not_exists(pk) OR applicationId = :id',
        values: { ':id': a.id },
      });
    },

    /** Art. 5: who holds the selection of a domain announcement, if anyone. */
    async getSelection(announcementId: string): Promise<SelectionSlot | undefined> {
      const item = await getItem(slotKey(announcementId));
      return item
        ? {
            applicationId: String(item.applicationId),
            operatorOrg: String(item.operatorOrg),
            held: item.held === true,
          }
        : undefined;
    },

    async listApplications(
      by: { index: 'byAnnouncement' | 'byOperator' | 'byReviewer' | 'byKind'; value: string },
      q: { status?: string; announcementId?: string; limit: number; cursor?: string },
    ): Promise<Page<Application>> {
      const attr = {
        byAnnouncement: 'appAnnouncement',
        byOperator: 'appOperator',
        byReviewer: 'appReviewer',
        byKind: 'kind',
      }[by.index];
      return indexPage(deps, {
        table,
        index: by.index,
        attr,
        value: by.value,
        equals: {
          status: q.status,
          announcementId: by.index === 'byAnnouncement' ? undefined : q.announcementId,
        },
        keyAttrs: ['pk', 'sk', attr, 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: (i) => strip<Application>(i, APP_ATTRS),
      });
    },
  };
};
export type ApplicationsRepository = ReturnType<typeof applicationsRepository>;

// ---------------------------------------------------------------------------------------------------
// The credit list table

const creditPk = (id: string) => `CREDIT#${id}`;
const CREDIT_ATTRS = ['pk', 'sk', 'kind', 'createdSort', 'subjectKey'] as const;
const creditItem = (e: CreditListEntry) => ({
  pk: creditPk(e.id),
  sk: 'ENTRY',
  kind: 'entry',
  ...e,
  subjectKey: subjectKey(e),
  createdSort: `${e.createdAt}#${e.id}`,
});
const fromCredit = (i: Record<string, unknown>) => strip<CreditListEntry>(i, CREDIT_ATTRS);

export const creditListRepository = (deps: Pick<Deps, 'db' | 'tables'>) => {
  const table = tableName(deps, 'creditList');
  return {
    async get(id: string): Promise<CreditListEntry | undefined> {
      const out = await deps.db.send(
        new GetCommand({ TableName: table, Key: { pk: creditPk(id), sk: 'ENTRY' }, ConsistentRead: true }),
      );
      return out.Item ? fromCredit(out.Item) : undefined;
    },

    async getMany(ids: readonly string[]): Promise<Map<string, CreditListEntry>> {
      const keys = [...new Set(ids)].map((id) => ({ pk: creditPk(id), sk: 'ENTRY' }));
      const items = await batchGetAll(deps, table, keys, { consistent: true });
      return new Map(items.map(fromCredit).map((e) => [e.id, e]));
    },

    create: (tx: Transaction, e: CreditListEntry) =>
      tx.create(
        'creditList',
        creditItem(e),
        'pk',
        () => new ConflictError('This subject is already listed with this source and date', 'already_listed'),
      ),
    save: (tx: Transaction, e: CreditListEntry, previousVersion: number) =>
      tx.putVersioned('creditList', creditItem(e), previousVersion),

    /** Entries of one subject key (a Query on the subject index, never a Scan). */
    async bySubject(keys: readonly string[]): Promise<CreditListEntry[]> {
      const results = await Promise.all(
        [...new Set(keys)].map((k) =>
          queryAll(deps, {
            TableName: table,
            IndexName: 'bySubject',
            KeyConditionExpression: 'subjectKey = :k',
            ExpressionAttributeValues: { ':k': k },
          }),
        ),
      );
      return results.flat().map(fromCredit);
    },

    async list(q: {
      subjectKey?: string;
      list?: string;
      limit: number;
      cursor?: string;
    }): Promise<Page<CreditListEntry>> {
      if (q.subjectKey) {
        // One subject's entries (a handful), in index order.
        return queryPage(
          deps,
          {
            TableName: table,
            IndexName: 'bySubject',
            KeyConditionExpression: 'subjectKey = :k',
            ExpressionAttributeValues: { ':k': q.subjectKey, ...(q.list ? { ':l': q.list } : {}) },
            ...(q.list ? { FilterExpression: '#l = :l', ExpressionAttributeNames: { '#l': 'list' } } : {}),
          },
          { limit: q.limit, cursor: q.cursor, keyAttrs: ['pk', 'sk', 'subjectKey'], map: fromCredit },
        );
      }
      return indexPage(deps, {
        table,
        index: 'byKind',
        attr: 'kind',
        value: 'entry',
        equals: { list: q.list },
        keyAttrs: ['pk', 'sk', 'kind', 'createdSort'],
        limit: q.limit,
        cursor: q.cursor,
        map: fromCredit,
      });
    },
  };
};
