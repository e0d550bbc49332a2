import * as z from 'zod';

export const NotificationId = z.object({
  id: z.string().regex(/^nt_[0-9a-z]{10,40}$/, 'Not a notification id'),
});

export const ListNotificationsQuery = z.object({
  unread: z.enum(['true', 'false']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
