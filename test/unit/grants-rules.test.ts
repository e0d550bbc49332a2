import { describe, expect, it } from 'vitest';
import { CatalogEntryPublished, CatalogEntryWithdrawn } from '../../events/catalog.js';
import { patternOf } from '../../events/define.js';
import { DemandApproved, DemandRejected, EntitlementsEnded } from '../../events/demands.js';
import {
  GovernanceRequestEscalated,
  GovernanceRequestFiled,
  GovernanceRequestForwarded,
  GovernanceRequestReopened,
  GovernanceRequestResolved,
} from '../../events/governance.js';
import {
  GRANT_STATE_EVENTS,
  GrantExitConfirmed,
  GrantExpiryReminder,
  GrantSignatureOverdue,
} from '../../events/grants.js';
import { ReviewTaskOpened, ReviewTaskOverdue } from '../../events/tasks.js';
import { messagesFor, NOTIFIED_EVENTS } from '../../functions/notifications/domain.js';
import { nextFireTime } from '../../infra/local/scheduler.js';
import { eventRules, schedules } from '../../infra/system.js';

/** The declared rules of issue 4 match the typed events (infra/system.ts is plain data). */
describe('event rules and schedules of grants, demands, governance', () => {
  it('route grant state events to the entitlements function', () => {
    expect(eventRules['entitlements-follow-grants'].pattern).toEqual(patternOf(...GRANT_STATE_EVENTS));
  });

  it('route catalog changes to the entitlements and grants functions (Art. 8 at every moment)', () => {
    const catalog = patternOf(CatalogEntryPublished, CatalogEntryWithdrawn);
    expect(eventRules['entitlements-follow-catalog'].pattern).toEqual(catalog);
    expect(eventRules['grants-record-catalog-changes'].pattern).toEqual(catalog);
  });

  it('route every notified event to the notifications function, which handles each', () => {
    expect(eventRules['notifications-from-grants'].pattern).toEqual(
      patternOf(...GRANT_STATE_EVENTS, GrantExpiryReminder, GrantExitConfirmed, GrantSignatureOverdue),
    );
    expect(eventRules['notifications-from-demands'].pattern).toEqual(
      patternOf(DemandApproved, DemandRejected, EntitlementsEnded),
    );
    expect(eventRules['notifications-from-governance'].pattern).toEqual(
      patternOf(
        GovernanceRequestFiled,
        GovernanceRequestForwarded,
        GovernanceRequestResolved,
        GovernanceRequestReopened,
        GovernanceRequestEscalated,
      ),
    );
    expect(eventRules['notifications-from-tasks'].pattern).toEqual(
      patternOf(ReviewTaskOpened, ReviewTaskOverdue),
    );
    const routed = Object.values(eventRules)
      .filter((r) => r.function === 'notifications')
      .flatMap((r) => r.pattern['detail-type']);
    expect([...routed].sort()).toEqual(NOTIFIED_EVENTS.map((e) => e.detailType).sort());
  });

  it('tells a reminder to both parties of the grant', () => {
    const msgs = messagesFor({
      id: 'e1',
      source: 'shiyan.grants',
      'detail-type': 'GrantExpiryReminder',
      time: '2026-01-01T00:00:00.000Z',
      detail: {
        grantId: 'gr_1',
        version: 2,
        operatorOrg: 'OPER',
        grantorOrg: 'PROV',
        grantorRole: 'provider',
        mode: 'domain',
        scope: [],
        effectiveFrom: '2024-04-01T00:00:00.000Z',
        expiresAt: '2026-04-01T00:00:00.000Z',
        at: '2026-01-01T00:00:00.000Z',
        daysBefore: 90,
      },
    });
    expect(msgs.map((m) => m.recipient)).toEqual([
      { role: 'operator', org: 'OPER' },
      { role: 'provider', org: 'PROV' },
    ]);
  });

  it('escalates an overdue signature to the parties still to sign and the authority, once each', () => {
    const detail = {
      grantId: 'gr_1',
      version: 3,
      operatorOrg: 'OPER',
      grantorOrg: 'AUTH',
      grantorRole: 'authority',
      mode: 'comprehensive',
      scope: [],
      effectiveFrom: null,
      expiresAt: null,
      at: '2026-01-01T00:00:00.000Z',
      signBy: '2025-12-31T00:00:00.000Z',
      authorityOrg: 'AUTH',
      applicationId: 'ap_1',
    };
    const event = (missing: string[]) => ({
      id: 'e2',
      source: 'shiyan.grants',
      'detail-type': 'GrantSignatureOverdue',
      time: '2026-01-01T00:00:00.000Z',
      detail: { ...detail, missing },
    });
    // The grantor is the authority: one message to it, not two.
    expect(messagesFor(event(['grantor', 'operator'])).map((m) => m.recipient)).toEqual([
      { role: 'authority', org: 'AUTH' },
      { role: 'operator', org: 'OPER' },
    ]);
    expect(messagesFor(event(['operator'])).map((m) => [m.recipient, m.actionRequired])).toEqual([
      [{ role: 'operator', org: 'OPER' }, true],
      [{ role: 'authority', org: 'AUTH' }, true],
    ]);
  });

  it('expires every few minutes and reminds daily', () => {
    const from = new Date('2026-01-01T00:00:00.000Z');
    expect(
      nextFireTime(schedules['grant-expiry'].expression, from).getTime() - from.getTime(),
    ).toBeLessThanOrEqual(5 * 60_000);
    expect(nextFireTime(schedules['grant-reminders'].expression, from).toISOString()).toBe(
      '2026-01-01T01:00:00.000Z',
    );
    expect(
      nextFireTime(schedules['grant-signature-overdue'].expression, from).getTime() - from.getTime(),
    ).toBeLessThanOrEqual(3_600_000);
    expect(nextFireTime(schedules['governance-overdue'].expression, from).toISOString()).toBe(
      '2026-01-01T02:00:00.000Z',
    );
  });
});
