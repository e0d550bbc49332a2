/** Security incidents on authorized data (Art. 12.4, 18). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

const ALL = ['operator', 'consumer', 'authority', 'regulator'] as const;

export const incidents = {
  tables: {
    incidents: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        byReporter: { partitionKey: 'reporterOrg', sortKey: 'createdSort' },
        byType: { partitionKey: 'itemType', sortKey: 'createdSort' },
      },
    },
  },
  functions: {
    incidents: {
      entry: 'functions/incidents/handler.ts',
      description:
        'Security incidents: reported by operators and users, followed and closed by the authority and regulators',
      // Reads a grant to check an incident names one the reporter may report on (Art. 18).
      tables: { incidents: 'write', grants: 'read', audit: 'write', idempotency: 'write', outbox: 'write' },
      publishesEvents: true,
    },
  },
  routes: [
    {
      method: 'POST',
      path: '/incidents',
      function: 'incidents',
      auth: ['operator', 'consumer'],
      operationId: 'reportIncident',
      summary: 'Report a security incident on authorized data (Art. 12.4)',
    },
    {
      method: 'GET',
      path: '/incidents',
      function: 'incidents',
      auth: ALL,
      operationId: 'listIncidents',
      summary: 'Incidents (reporters: their own; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/incidents/{id}',
      function: 'incidents',
      auth: ALL,
      operationId: 'getIncident',
      summary: 'An incident with its follow-up',
    },
    {
      method: 'POST',
      path: '/incidents/{id}/updates',
      function: 'incidents',
      auth: ALL,
      operationId: 'updateIncident',
      summary: 'Measures taken (reporter) or follow-up (authority, regulators)',
    },
    {
      method: 'POST',
      path: '/incidents/{id}/close',
      function: 'incidents',
      auth: ['authority', 'regulator'],
      operationId: 'closeIncident',
      summary: 'Close a handled incident with a conclusion',
    },
  ],
  stateMachines: {},
  eventRules: {},
  schedules: {},
} as const satisfies DutyDecl;
