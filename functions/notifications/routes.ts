import type { BusEvent, Invocation } from '../shared/duty.js';
import { NotFoundError } from '../shared/errors.js';
import { caller, type RouteTable, route } from '../shared/http.js';
import { inboxesOf, notificationsFor, viewOf } from './domain.js';
import { notificationsRepository } from './repository.js';
import { ListNotificationsQuery, NotificationId } from './schemas.js';

export const notificationsRoutes: RouteTable = {
  listNotifications: route({
    query: ListNotificationsQuery,
    async handle(ctx) {
      const items = await notificationsRepository(ctx.deps).latest(inboxesOf(caller(ctx)), {
        limit: ctx.query.limit,
        unread: ctx.query.unread === 'true',
      });
      return { status: 200, body: { items: items.map(viewOf) } };
    },
  }),

  readNotification: route({
    params: NotificationId,
    async handle(ctx) {
      const p = caller(ctx);
      const repo = notificationsRepository(ctx.deps);
      const n = await repo.findIn(inboxesOf(p), ctx.params.id);
      if (!n) throw new NotFoundError('Notification');
      if (n.readAt) return { status: 200, body: viewOf(n) };
      const at = ctx.now.toISOString();
      await repo
        .markRead(ctx.tx(), n, at, p.userId)
        .audit({
          action: 'notification.read',
          resource: `notification/${n.id}`,
          before: { read: false },
          after: { read: true },
        })
        .commit();
      return { status: 200, body: viewOf({ ...n, readAt: at, readBy: p.userId }) };
    },
  }),
};

/** Every event a rule routes here becomes notification records for its recipients (idempotently). */
export const deliverNotifications = async (event: BusEvent, { deps }: Invocation): Promise<void> => {
  const repo = notificationsRepository(deps);
  for (const n of notificationsFor(event)) await repo.deliver(n);
};
