import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedEntry, as, type Platform, startPlatform } from '../support/platform.js';
import { activeGrant, scenario } from './grants-fixtures.js';

/** Notifications fed by domain events through the bus rules. */
let p: Platform;
let entry: string;
beforeAll(async () => {
  p = await startPlatform();
  entry = await approvedEntry(p, as.transport);
});
afterAll(() => p.stop());

type Item = {
  id: string;
  subject: { type: string; id: string };
  read: boolean;
  eventType: string;
  actionRequired: boolean;
};
const inbox = async (c: Parameters<Platform['get']>[1], q = '') =>
  (await p.get(`/notifications?limit=100${q}`, c)).body.items as Item[];

describe('notifications', () => {
  it('tells both parties that a grant is in force, and nobody else', async () => {
    const { id } = await activeGrant(p, { scope: [entry], grantor: as.transport, operator: as.operatorB });

    const about = (items: Item[]) =>
      items.filter((n) => n.subject.id === id && n.eventType === 'GrantActivated');

    expect(about(await inbox(as.operatorB))).toHaveLength(1);
    expect(about(await inbox(as.transport))).toHaveLength(1);
    expect(about(await inbox(as.operatorA))).toHaveLength(0);
    expect(about(await inbox(as.hrss))).toHaveLength(0);
  });

  it('marks a notification read for its recipient only', async () => {
    const { id } = await activeGrant(p, { scope: [entry], operator: as.operatorC });
    const [n] = (await inbox(as.operatorC)).filter((x) => x.subject.id === id);

    const byOther = await p.post(`/notifications/${n?.id}/read`, as.operatorA);
    const read = await p.post(`/notifications/${n?.id}/read`, as.operatorC);
    const again = await p.post(`/notifications/${n?.id}/read`, as.operatorC);
    const badId = await p.post('/notifications/nope/read', as.operatorC);
    const unread = await inbox(as.operatorC, '&unread=true');

    expect(byOther.status).toBe(404);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: n?.id, read: true, readAt: expect.any(String) });
    expect(again.status).toBe(200);
    expect(badId.status).toBe(400);
    expect(unread.map((x) => x.id)).not.toContain(n?.id);
  });

  it('writes one notification per recipient when an event is delivered twice', async () => {
    const { id } = await activeGrant(p, { scope: [entry], operator: as.operatorA });
    const [event] = p.rt.bus.events({ detailType: 'GrantActivated' }).filter((e) => e.detail.grantId === id);
    const { deliveredTo: _d, ...envelope } = event!;

    await p.rt.invoke('notifications', envelope);

    expect((await inbox(as.operatorA)).filter((n) => n.subject.id === id)).toHaveLength(1);
  });

  it('tells each reviewer of a data demand that a review task waits for it', async () => {
    const { id: grantId } = await activeGrant(p, { scope: [entry], operator: as.operatorA });
    const demand = await p.post('/demands', as.operatorA, {
      grantId,
      entries: [entry],
      scenario: scenario(),
    });
    await p.rt.settle();

    const reviewTasks = (items: Item[]) =>
      items.filter((n) => n.eventType === 'ReviewTaskOpened' && n.actionRequired);

    expect(demand.status).toBe(201);
    expect(reviewTasks(await inbox(as.transport)).length).toBeGreaterThanOrEqual(1);
    expect(reviewTasks(await inbox(as.authority)).length).toBeGreaterThanOrEqual(1);
    expect(reviewTasks(await inbox(as.hrss))).toHaveLength(0);
  });
});
