/** Each party's inbox, fed by domain events. Part of the one declaration composed in infra/system.ts. */
import { type DutyDecl, ROLES } from './types.js';

export const notifications = {
  tables: {
    // Notifications per recipient (`USER#<id>` or `ROLE#<role>#<org or *>`), fed by domain events.
    notifications: { partitionKey: 'recipient', sortKey: 'sk', timeToLive: 'expiresAt' },
  },
  functions: {
    notifications: {
      entry: 'functions/notifications/handler.ts',
      description: 'Notifications per recipient, fed by domain events',
      tables: { notifications: 'write', audit: 'write' },
    },
  },
  routes: [
    // Notifications
    {
      method: 'GET',
      path: '/notifications',
      function: 'notifications',
      auth: ROLES,
      operationId: 'listNotifications',
      summary: 'Notifications for the caller (personal and for its role and organisation)',
    },
    {
      method: 'POST',
      path: '/notifications/{id}/read',
      function: 'notifications',
      auth: ROLES,
      operationId: 'readNotification',
      summary: 'Mark a notification read',
    },
  ],
  stateMachines: {},
  eventRules: {
    'notifications-from-grants': {
      description: 'Notifies the parties of grant changes, expiry reminders and overdue signatures',
      pattern: {
        source: ['shiyan.grants'],
        'detail-type': [
          'GrantActivated',
          'GrantSuspended',
          'GrantReinstated',
          'GrantTerminated',
          'GrantExpired',
          'GrantExpiryReminder',
          'GrantExitConfirmed',
          'GrantSignatureOverdue',
        ],
      },
      function: 'notifications',
    },
    'notifications-from-demands': {
      description:
        'Notifies the operator of the outcome of its data demands, and both parties of entitlements ended under Art. 8',
      pattern: {
        source: ['shiyan.demands'],
        'detail-type': ['DemandApproved', 'DemandRejected', 'EntitlementsEnded'],
      },
      function: 'notifications',
    },
    'notifications-from-governance': {
      description:
        'Notifies the authority, provider and operator of governance request steps and escalations',
      pattern: {
        source: ['shiyan.governance'],
        'detail-type': [
          'GovernanceRequestFiled',
          'GovernanceRequestForwarded',
          'GovernanceRequestResolved',
          'GovernanceRequestReopened',
          'GovernanceRequestEscalated',
        ],
      },
      function: 'notifications',
    },
    'notifications-from-tasks': {
      description: 'Tells reviewers about the review tasks waiting for them, and overdue ones',
      pattern: { source: ['shiyan.tasks'], 'detail-type': ['ReviewTaskOpened', 'ReviewTaskOverdue'] },
      function: 'notifications',
    },
    'notifications-from-evaluations': {
      description: 'Tells operators about evaluations opened, material deadlines, results and rectification',
      pattern: {
        source: ['shiyan.evaluations'],
        'detail-type': [
          'EvaluationOpened',
          'EvaluationMaterialsReminder',
          'EvaluationFailed',
          'EvaluationRectified',
          'EvaluationRectificationOverdue',
        ],
      },
      function: 'notifications',
    },
    'notifications-from-incidents': {
      description:
        'Severe security incidents reach the authority and regulators at once; closures reach the reporter',
      pattern: {
        source: ['shiyan.incidents'],
        'detail-type': ['SecurityIncidentReported', 'SecurityIncidentClosed'],
      },
      function: 'notifications',
    },
    'notifications-from-processing': {
      description: 'Reminds the authority of manual output checks past their deadline and tells the operator',
      pattern: { source: ['shiyan.processing'], 'detail-type': ['OutputCheckOverdue'] },
      function: 'notifications',
    },
    'notifications-from-reports': {
      description:
        'Tells operators and the authority about due, submitted, overdue and reviewed operation reports',
      pattern: {
        source: ['shiyan.reports'],
        'detail-type': [
          'ReportDue',
          'ReportSubmitted',
          'ReportOverdue',
          'ReportSupplementRequested',
          'ReportSupplementOverdue',
          'ReportAccepted',
          'ReportCorrected',
        ],
      },
      function: 'notifications',
    },
  },
  schedules: {},
} as const satisfies DutyDecl;
