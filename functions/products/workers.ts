import { EntitlementsEnded } from '../../events/demands.js';
import { GrantExpired, GrantReinstated, GrantSuspended, GrantTerminated } from '../../events/grants.js';
import type { BusEvent, Invocation } from '../shared/duty.js';
import { AppError } from '../shared/errors.js';
import { systemActor, Transaction } from '../shared/store.js';
import {
  auditState,
  followEntitlementsEnded,
  followGrant,
  type GrantChange,
  type Product,
} from './domain.js';
import { productsRepository } from './repository.js';
import { productResource } from './routes.js';

/**
 * Products follow their grant's events (Art. 14, 10.5): suspended with it, resumed when it is
 * reinstated, delisted when it is terminated or expires; and they are suspended when an entitlement
 * they are built on ends before its grant (`EntitlementsEnded`, Art. 8). Idempotent: each product keeps the grant version last applied and ignores older or repeated
 * events; each product is its own conditional transaction, and a conflict (a concurrent change) is
 * retried once from a fresh read before the delivery fails and the bus retries it.
 */
/**
 * Applies `rule` to every product of a grant, each in its own conditional, audited transaction; a
 * conflict (a concurrent change) is retried from a fresh read before the delivery fails and the bus
 * retries it.
 */
const applyToGrant = async (
  event: BusEvent,
  inv: Invocation,
  grantId: string,
  action: string,
  rule: (p: Product, now: Date) => Product | undefined,
): Promise<void> => {
  const repo = productsRepository(inv.deps);
  const now = inv.deps.clock.now();
  const actor = { principal: systemActor(`event:${action}`), requestId: event.id, now };
  for (const listed of await repo.ofGrant(grantId)) {
    for (let attempt = 0; ; attempt++) {
      const before = attempt === 0 ? listed : await repo.get(listed.id, true);
      if (!before) break;
      const after = rule(before, now);
      if (!after) break;
      try {
        await repo
          .save(new Transaction(inv.deps, actor), after, before.version)
          .audit({
            action: `product.${action}`,
            resource: productResource(after.id),
            before: auditState(before),
            after: auditState(after),
          })
          .commit();
        break;
      } catch (e) {
        if (!(e instanceof AppError) || attempt >= 2) throw e;
      }
    }
  }
};

const follow =
  (
    change: GrantChange,
    parse: (d: unknown) => { grantId: string; version: number; reason?: string | undefined },
  ) =>
  async (event: BusEvent, inv: Invocation): Promise<void> => {
    const detail = parse(event.detail);
    await applyToGrant(event, inv, detail.grantId, change, (p, now) =>
      followGrant(p, change, detail.version, detail.reason ?? change, now),
    );
  };

export const productsEvents = {
  GrantSuspended: follow('GrantSuspended', (d) => GrantSuspended.parse(d)),
  GrantReinstated: follow('GrantReinstated', (d) => GrantReinstated.parse(d)),
  GrantTerminated: follow('GrantTerminated', (d) => GrantTerminated.parse(d)),
  EntitlementsEnded: async (event: BusEvent, inv: Invocation) => {
    const d = EntitlementsEnded.parse(event.detail);
    await applyToGrant(event, inv, d.grantId, 'EntitlementsEnded', (p, now) =>
      followEntitlementsEnded(p, d.entitlementIds, d.reason, now),
    );
  },
  GrantExpired: follow('GrantExpired', (d) => {
    const x = GrantExpired.parse(d);
    return { grantId: x.grantId, version: x.version, reason: 'grant expired' };
  }),
};
