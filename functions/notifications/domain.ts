/**
 * Notifications as plain rules: which event tells whom what. A recipient is a user, or a role in an
 * organisation (its inbox), or a whole role when the organisation is not known (the city authority).
 */
import { createHash } from 'node:crypto';
import { DemandApproved, DemandRejected, EntitlementsEnded } from '../../events/demands.js';
import {
  EvaluationFailed,
  EvaluationMaterialsReminder,
  EvaluationOpened,
  EvaluationRectificationOverdue,
  EvaluationRectified,
} from '../../events/evaluations.js';
import {
  GovernanceRequestEscalated,
  GovernanceRequestFiled,
  GovernanceRequestForwarded,
  GovernanceRequestReopened,
  GovernanceRequestResolved,
} from '../../events/governance.js';
import {
  GrantActivated,
  GrantExitConfirmed,
  GrantExpired,
  GrantExpiryReminder,
  GrantReinstated,
  GrantSignatureOverdue,
  GrantSuspended,
  GrantTerminated,
} from '../../events/grants.js';
import { SecurityIncidentClosed, SecurityIncidentReported } from '../../events/incidents.js';
import { OutputCheckOverdue } from '../../events/processing.js';
import {
  ReportAccepted,
  ReportCorrected,
  ReportDue,
  ReportOverdue,
  ReportSubmitted,
  ReportSupplementOverdue,
  ReportSupplementRequested,
} from '../../events/reports.js';
import { ReviewTaskOpened, ReviewTaskOverdue } from '../../events/tasks.js';
import type { Principal } from '../shared/auth.js';
import type { BusEvent } from '../shared/duty.js';

export interface Recipient {
  readonly role?: string;
  readonly org?: string;
  readonly userId?: string;
}

export interface Message {
  readonly recipient: Recipient;
  readonly title: string;
  readonly body: string;
  readonly subject: { readonly type: string; readonly id: string };
  /** Something the recipient has to do (sign, confirm, re-apply, decide…). */
  readonly actionRequired: boolean;
}

export interface Notification extends Omit<Message, 'recipient'> {
  readonly id: string;
  readonly recipientKey: string;
  readonly eventType: string;
  readonly eventId: string;
  readonly createdAt: string;
  readonly readAt?: string;
  readonly readBy?: string;
}

/** The events the notification rules of infra/system.ts route here. */
export const NOTIFIED_EVENTS = [
  GrantActivated,
  GrantSuspended,
  GrantReinstated,
  GrantTerminated,
  GrantExpired,
  GrantExpiryReminder,
  GrantExitConfirmed,
  GrantSignatureOverdue,
  DemandApproved,
  DemandRejected,
  EntitlementsEnded,
  GovernanceRequestFiled,
  GovernanceRequestForwarded,
  GovernanceRequestResolved,
  GovernanceRequestReopened,
  GovernanceRequestEscalated,
  ReviewTaskOpened,
  ReviewTaskOverdue,
  ReportDue,
  ReportSubmitted,
  ReportOverdue,
  ReportSupplementRequested,
  ReportSupplementOverdue,
  ReportAccepted,
  ReportCorrected,
  EvaluationOpened,
  EvaluationMaterialsReminder,
  EvaluationFailed,
  EvaluationRectified,
  EvaluationRectificationOverdue,
  SecurityIncidentReported,
  SecurityIncidentClosed,
  OutputCheckOverdue,
] as const;

export const recipientKey = (r: Recipient): string =>
  r.userId ? `USER#${r.userId}` : `ROLE#${r.role ?? '*'}#${r.org ?? '*'}`;

/** The inboxes a caller reads: personal, its role in its organisation, and its role city-wide. */
export const inboxesOf = (p: Principal): string[] => [
  recipientKey({ userId: p.userId }),
  recipientKey({ role: p.role, org: p.org }),
  recipientKey({ role: p.role }),
];

/** Deterministic, time-sortable id: a redelivered event writes the same notification. */
export const notificationId = (eventId: string, key: string, at: string): string =>
  `nt_${Date.parse(at).toString(36).padStart(9, '0')}${BigInt(`0x${createHash('sha256').update(`${eventId}|${key}`).digest('hex').slice(0, 20)}`).toString(36)}`;

const grantParties = (g: { operatorOrg: string; grantorOrg: string; grantorRole: string }): Recipient[] => [
  { role: 'operator', org: g.operatorOrg },
  { role: g.grantorRole, org: g.grantorOrg },
];

const toAll = (rs: readonly Recipient[], m: Omit<Message, 'recipient'>): Message[] =>
  rs.map((recipient) => ({ recipient, ...m }));

const d10 = (iso: string | null) => iso?.slice(0, 10) ?? '—';

/** What an event tells whom; events nobody needs to hear about give []. */
export const messagesFor = (e: BusEvent): Message[] => {
  const t = e['detail-type'];
  const grant = (id: string) => ({ type: 'grant', id });
  switch (t) {
    case GrantActivated.detailType: {
      const g = GrantActivated.parse(e.detail);
      return toAll(grantParties(g), {
        title: '授权运营协议已生效 Grant in force',
        body: `Grant ${g.grantId}: ${d10(g.effectiveFrom)} – ${d10(g.expiresAt)}${g.renewalOf ? ` (renews ${g.renewalOf})` : ''}`,
        subject: grant(g.grantId),
        actionRequired: false,
      });
    }
    case GrantSuspended.detailType: {
      const g = GrantSuspended.parse(e.detail);
      return toAll(grantParties(g), {
        title: '授权已暂停 Grant suspended (Art. 14)',
        body: `Data-use rights under grant ${g.grantId} are suspended: ${g.reason}. Rectify within the deadline.`,
        subject: grant(g.grantId),
        actionRequired: true,
      });
    }
    case GrantReinstated.detailType: {
      const g = GrantReinstated.parse(e.detail);
      return toAll(grantParties(g), {
        title: '授权已恢复 Grant reinstated',
        body: `Grant ${g.grantId} is active again.`,
        subject: grant(g.grantId),
        actionRequired: false,
      });
    }
    case GrantTerminated.detailType:
    case GrantExpired.detailType: {
      const g =
        t === GrantTerminated.detailType ? GrantTerminated.parse(e.detail) : GrantExpired.parse(e.detail);
      const why = 'reason' in g ? `terminated: ${g.reason}` : 'expired';
      return toAll(grantParties(g), {
        title: t === GrantTerminated.detailType ? '授权已终止 Grant terminated' : '授权已到期 Grant expired',
        body: `Grant ${g.grantId} ${why}. Record the exit confirmations the agreement requires (Art. 4).`,
        subject: grant(g.grantId),
        actionRequired: true,
      });
    }
    case GrantExpiryReminder.detailType: {
      const g = GrantExpiryReminder.parse(e.detail);
      return toAll(grantParties(g), {
        title: `授权将于${g.daysBefore}天后到期 Grant expires in ${g.daysBefore} days`,
        body: `Grant ${g.grantId} expires on ${d10(g.expiresAt)}. The operator must re-apply before it expires (Art. 10.5).`,
        subject: grant(g.grantId),
        actionRequired: true,
      });
    }
    case GrantExitConfirmed.detailType: {
      const g = GrantExitConfirmed.parse(e.detail);
      return toAll(grantParties(g), {
        title: g.complete ? '退出手续已完成 Exit completed' : '退出确认已记录 Exit confirmation recorded',
        body: `Grant ${g.grantId}: ${g.item} confirmed by the ${g.party}.`,
        subject: grant(g.grantId),
        actionRequired: false,
      });
    }
    case GrantSignatureOverdue.detailType: {
      // Art. 10.4: the parties still to sign are asked again; the authority sees the escalation.
      const g = GrantSignatureOverdue.parse(e.detail);
      const late = g.missing.map((party) =>
        party === 'operator'
          ? { role: 'operator', org: g.operatorOrg }
          : { role: g.grantorRole, org: g.grantorOrg },
      );
      const authority: Recipient = g.authorityOrg
        ? { role: 'authority', org: g.authorityOrg }
        : { role: 'authority' };
      const recipients = [...late, authority].filter(
        (r, i, all) => all.findIndex((x) => recipientKey(x) === recipientKey(r)) === i,
      );
      return toAll(recipients, {
        title: '授权运营协议签署逾期 Agreement signature overdue',
        body: `Grant ${g.grantId} was to be signed by ${d10(g.signBy)}; still to sign: ${g.missing.join(', ')}.`,
        subject: grant(g.grantId),
        actionRequired: true,
      });
    }
    case DemandApproved.detailType:
    case DemandRejected.detailType: {
      const approved = t === DemandApproved.detailType;
      const d = approved ? DemandApproved.parse(e.detail) : DemandRejected.parse(e.detail);
      const reasons = 'reasons' in d ? d.reasons.map((r) => r.reason).join('; ') : '';
      return [
        {
          recipient: { role: 'operator', org: d.operatorOrg },
          title: approved ? '数据需求已通过 Data demand approved' : '数据需求未通过 Data demand rejected',
          body: approved
            ? `"${d.title}": access granted to ${d.entryIds.length} entries.`
            : `"${d.title}": ${reasons}`,
          subject: { type: 'data-demand', id: d.demandId },
          actionRequired: false,
        },
      ];
    }
    case EntitlementsEnded.detailType: {
      // Art. 8 at every moment: the operator loses access, the providing unit stops providing.
      const x = EntitlementsEnded.parse(e.detail);
      const what = x.entryTitle ? `"${x.entryTitle}" (${x.entryId})` : x.entryId;
      return toAll(
        [
          { role: 'operator', org: x.operatorOrg },
          { role: 'provider', org: x.providerOrg },
        ],
        {
          title:
            x.cause === 'entry-withdrawn'
              ? '数据目录已撤回，授权终止 Catalog entry withdrawn: access ended'
              : '数据目录不再可授权，授权终止 Entry no longer authorizable: access ended (Art. 8)',
          body: `Grant ${x.grantId}: ${x.entitlementIds.length} entitlement(s) to ${what} ended. ${x.reason}`,
          subject: { type: 'catalog-entry', id: x.entryId },
          actionRequired: false,
        },
      );
    }
    case GovernanceRequestFiled.detailType:
    case GovernanceRequestForwarded.detailType:
    case GovernanceRequestResolved.detailType:
    case GovernanceRequestReopened.detailType:
    case GovernanceRequestEscalated.detailType: {
      const r = GovernanceRequestFiled.parse(e.detail);
      const subject = { type: 'governance-request', id: r.requestId };
      const authority = { role: 'authority' };
      const provider = { role: 'provider', org: r.providerOrg };
      const operator = { role: 'operator', org: r.operatorOrg };
      const [to, title, body]: [Recipient[], string, string] =
        t === GovernanceRequestFiled.detailType
          ? [
              [authority],
              '新的数据治理需求 New governance request',
              `${r.entryTitle}: ${r.kind}. Forward it to the provider with a deadline.`,
            ]
          : t === GovernanceRequestForwarded.detailType
            ? [
                [provider],
                '数据治理任务 Data to fix',
                `${r.entryTitle}: ${r.kind}, due ${d10(r.deadline)} (Art. 11.1).`,
              ]
            : t === GovernanceRequestResolved.detailType
              ? [
                  [operator],
                  '数据治理已处理 Governance request resolved',
                  `${r.entryTitle}: confirm or reopen.`,
                ]
              : t === GovernanceRequestReopened.detailType
                ? [
                    [provider, authority],
                    '数据治理需求被重新打开 Request reopened',
                    `${r.entryTitle}: due ${d10(r.deadline)}.`,
                  ]
                : [
                    [authority, provider],
                    '数据治理逾期 Governance request overdue',
                    `${r.entryTitle}: the deadline ${d10(r.deadline)} has passed.`,
                  ];
      return toAll(to, { title, body, subject, actionRequired: true });
    }
    case ReviewTaskOpened.detailType:
    case ReviewTaskOverdue.detailType: {
      const task =
        t === ReviewTaskOpened.detailType
          ? ReviewTaskOpened.parse(e.detail)
          : ReviewTaskOverdue.parse(e.detail);
      return [
        {
          recipient: task.assignee,
          title:
            t === ReviewTaskOpened.detailType
              ? `待审核 To review: ${task.title}`
              : `审核逾期 Overdue: ${task.title}`,
          body: `Decide by ${d10(task.dueAt)} at /tasks/${task.taskId}.`,
          subject: { type: 'review-task', id: task.taskId },
          actionRequired: true,
        },
      ];
    }
    case ReportDue.detailType:
    case ReportSubmitted.detailType:
    case ReportOverdue.detailType:
    case ReportSupplementRequested.detailType:
    case ReportSupplementOverdue.detailType:
    case ReportAccepted.detailType:
    case ReportCorrected.detailType:
      return reportMessages(e);
    case EvaluationOpened.detailType:
    case EvaluationMaterialsReminder.detailType:
    case EvaluationFailed.detailType:
    case EvaluationRectified.detailType:
    case EvaluationRectificationOverdue.detailType:
      return evaluationMessages(e);
    case SecurityIncidentReported.detailType: {
      // Art. 18: a severe incident reaches the authority and every regulator at once.
      const i = SecurityIncidentReported.parse(e.detail);
      const severe = i.severity === 'high' || i.severity === 'critical';
      const to: Recipient[] = severe
        ? [{ role: 'authority' }, { role: 'regulator' }]
        : [{ role: 'authority' }];
      return toAll(to, {
        title: `${severe ? '重大安全事件 Severe' : '安全事件 Security'} incident: ${i.kind} (${i.severity})`,
        body: `Reported by ${i.reporterOrg}${i.grantId ? ` under grant ${i.grantId}` : ''}. Follow it up at /incidents/${i.incidentId}.`,
        subject: { type: 'security-incident', id: i.incidentId },
        actionRequired: true,
      });
    }
    case SecurityIncidentClosed.detailType: {
      const i = SecurityIncidentClosed.parse(e.detail);
      return [
        {
          recipient: { role: i.reporterRole, org: i.reporterOrg },
          title: `安全事件已关闭 Incident closed: ${i.kind}`,
          body: i.conclusion,
          subject: { type: 'security-incident', id: i.incidentId },
          actionRequired: false,
        },
      ];
    }
    case OutputCheckOverdue.detailType: {
      // Art. 16-18: the authority supervises processing; an output held past its deadline is its task.
      const c = OutputCheckOverdue.parse(e.detail);
      const subject = { type: 'job', id: c.jobId };
      return [
        {
          recipient: { role: 'authority' },
          title: '输出审核逾期 Output check overdue',
          body: `Job ${c.jobId} of ${c.operatorOrg} was due ${d10(c.dueAt)}: decide it at /jobs/${c.jobId}/output-check.`,
          subject,
          actionRequired: true,
        },
        {
          recipient: { role: 'operator', org: c.operatorOrg },
          title: '输出审核逾期 Output check overdue',
          body: `The manual check of job ${c.jobId}'s output was due ${d10(c.dueAt)}; the authority has been reminded.`,
          subject,
          actionRequired: false,
        },
      ];
    }
    default:
      return [];
  }
};

export const notificationsFor = (e: BusEvent): Notification[] =>
  messagesFor(e).map(({ recipient, ...m }) => {
    const key = recipientKey(recipient);
    return {
      ...m,
      id: notificationId(e.id, key, e.time),
      recipientKey: key,
      eventType: e['detail-type'],
      eventId: e.id,
      createdAt: e.time,
    };
  });

export const viewOf = (n: Notification) => ({
  id: n.id,
  title: n.title,
  body: n.body,
  subject: n.subject,
  actionRequired: n.actionRequired,
  eventType: n.eventType,
  createdAt: n.createdAt,
  read: !!n.readAt,
  readAt: n.readAt ?? null,
});

/** Art. 12.2 / 13: who hears about each step of an operation report. */
const reportMessages = (e: BusEvent): Message[] => {
  const t = e['detail-type'];
  const r = ReportDue.parse(e.detail);
  const subject = { type: 'report', id: r.reportId };
  const operator: Recipient = { role: 'operator', org: r.operatorOrg };
  const authority: Recipient = r.authorityOrg
    ? { role: 'authority', org: r.authorityOrg }
    : { role: 'authority' };
  const label = `${r.cadence === 'annual' ? '年度报告 annual report' : '运营报告 operation report'} ${r.period}`;
  const [to, title, body, actionRequired]: [Recipient[], string, string, boolean] =
    t === ReportDue.detailType
      ? [[operator], `待提交 Report due: ${label}`, `Submit by ${d10(r.dueAt)} (Art. 12.2).`, true]
      : t === ReportSubmitted.detailType
        ? [[authority], `已提交 Report submitted: ${label}`, `Grant ${r.grantId}: review it.`, true]
        : t === ReportOverdue.detailType
          ? [[operator, authority], `报告逾期 Report overdue: ${label}`, `It was due ${d10(r.dueAt)}.`, true]
          : t === ReportSupplementRequested.detailType
            ? [
                [operator],
                `需补充材料 Supplement requested: ${label}`,
                `${ReportSupplementRequested.parse(e.detail).request} — by ${d10(ReportSupplementRequested.parse(e.detail).supplementDueBy)} (Art. 13).`,
                true,
              ]
            : t === ReportSupplementOverdue.detailType
              ? [
                  [operator, authority],
                  `补充材料逾期 Supplement overdue: ${label}`,
                  `Grant ${r.grantId}.`,
                  true,
                ]
              : t === ReportAccepted.detailType
                ? [[operator], `报告已接受 Report accepted: ${label}`, `Grant ${r.grantId}.`, false]
                : [
                    [authority],
                    `报告已更正 Report corrected: ${label}`,
                    `Revision ${r.revision} is being drafted.`,
                    false,
                  ];
  return toAll(to, { title, body, subject, actionRequired });
};

/** Art. 13-14: the evaluated operator hears of each step; the authority of overdue rectifications. */
const evaluationMessages = (e: BusEvent): Message[] => {
  const t = e['detail-type'];
  const v = EvaluationRectified.parse(e.detail);
  const subject = { type: 'evaluation', id: v.evaluationId };
  const operator: Recipient = { role: 'operator', org: v.operatorOrg };
  const authority: Recipient = { role: 'authority', org: v.authorityOrg };
  const due = (d: unknown) =>
    d10(((d as { materialsDueAt?: string }).materialsDueAt ?? null) as string | null);
  const [to, title, body, actionRequired]: [Recipient[], string, string, boolean] =
    t === EvaluationOpened.detailType
      ? [
          [operator],
          `运营评估 Evaluation ${v.period}`,
          `Supply truthful material by ${due(e.detail)} (Art. 13).`,
          true,
        ]
      : t === EvaluationMaterialsReminder.detailType
        ? [
            [operator],
            `评估材料即将截止 Evaluation material due ${due(e.detail)}`,
            `Evaluation ${v.period}: no material supplied yet.`,
            true,
          ]
        : t === EvaluationFailed.detailType
          ? [
              [operator],
              `评估未通过 Evaluation failed ${v.period}`,
              'Rectify by the deadline; data use is suspended (Art. 14).',
              true,
            ]
          : t === EvaluationRectified.detailType
            ? [
                [operator],
                `整改已通过 Rectification accepted ${v.period}`,
                `Grant ${v.grantId} is reinstated.`,
                false,
              ]
            : [
                [operator, authority],
                `整改逾期 Rectification overdue ${v.period}`,
                `Grant ${v.grantId} is terminated (Art. 14).`,
                true,
              ];
  return toAll(to, { title, body, subject, actionRequired });
};
