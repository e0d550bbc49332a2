/** Evaluations and rectification (Art. 13-14). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const evaluations = {
  tables: {
    // Evaluations of authorized operation and their rectification (Art. 13-14).
    evaluations: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
        byGrant: { partitionKey: 'evalGrant', sortKey: 'createdSort' },
        byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
        // Sparse: rectifying evaluations by rectification deadline (the daily deadline sweep, Art. 14).
        byRectifyDue: { partitionKey: 'rectifyDueKey', sortKey: 'rectifyDueSort' },
        // Sparse: open evaluations without material, not reminded yet, by materials deadline (Art. 13).
        byMaterialsDue: { partitionKey: 'materialsDueKey', sortKey: 'materialsDueSort' },
      },
    },
  },
  functions: {
    evaluations: {
      entry: 'functions/evaluations/handler.ts',
      description: 'Evaluations of authorized operation, rectification and its deadline (Art. 13-14)',
      // Reads grants to evaluate only active ones; the grants function acts on its events.
      // The cycle reads reports, governance requests, incidents, and processing jobs with the
      // entitlements they claimed (data use, Art. 16) as evidence for its automatic assessment.
      tables: {
        evaluations: 'write',
        grants: 'read',
        reports: 'read',
        governance: 'read',
        incidents: 'read',
        processing: 'read',
        entitlements: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      publishesEvents: true,
      workflows: ['evaluation-cycle'],
      timeoutSeconds: 120,
    },
  },
  routes: [
    // Evaluations (Art. 13-14)
    {
      method: 'POST',
      path: '/evaluations',
      function: 'evaluations',
      auth: ['authority'],
      operationId: 'openEvaluation',
      summary: 'Open the periodic evaluation of an active grant, with a materials deadline (Art. 13)',
    },
    {
      method: 'GET',
      path: '/evaluations',
      function: 'evaluations',
      auth: ['authority', 'regulator', 'operator'],
      operationId: 'listEvaluations',
      summary: 'Evaluations the caller may see (operator: its own; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/evaluations/{id}',
      function: 'evaluations',
      auth: ['authority', 'regulator', 'operator'],
      operationId: 'getEvaluation',
      summary: 'An evaluation with its material, result and rectification reports',
    },
    {
      method: 'POST',
      path: '/evaluations/{id}/materials',
      function: 'evaluations',
      auth: ['operator'],
      operationId: 'submitEvaluationMaterials',
      summary: 'The evaluated operator supplies truthful material (Art. 13)',
    },
    {
      method: 'POST',
      path: '/evaluations/{id}/result',
      function: 'evaluations',
      auth: ['authority'],
      operationId: 'recordEvaluationResult',
      summary: 'Pass, or fail with findings and a rectification deadline: the grant is suspended (Art. 14)',
    },
    {
      method: 'POST',
      path: '/evaluations/{id}/rectification',
      function: 'evaluations',
      auth: ['operator'],
      operationId: 'reportRectification',
      summary: 'The operator reports its rectification before the deadline (Art. 14)',
    },
    {
      method: 'POST',
      path: '/evaluations/{id}/rectification-review',
      function: 'evaluations',
      auth: ['authority'],
      operationId: 'reviewRectification',
      summary: 'Accept the rectification (the grant is reinstated) or reject it (Art. 14)',
    },
  ],
  stateMachines: {
    'evaluation-cycle': {
      file: 'state-machines/evaluation-cycle.asl.json',
      description:
        'Opens the evaluation of every running grant for a cycle, with its automatic assessment (Art. 13), through a Distributed Map',
      functions: ['evaluations'],
    },
  },
  eventRules: {},
  schedules: {
    'evaluation-materials-reminders': {
      description:
        'Reminds operators of evaluation materials due within 7 days (Art. 13), from a sparse index',
      expression: 'cron(0 9 * * ? *)',
      timezone: 'Asia/Shanghai',
      function: 'evaluations',
    },
    'evaluation-cycle': {
      description:
        'Starts the quarterly evaluation cycle over every active and suspended grant (Art. 13), on the first day of each quarter (CST)',
      expression: 'cron(0 2 1 1,4,7,10 ? *)',
      timezone: 'Asia/Shanghai',
      function: 'evaluations',
    },
    'evaluation-rectification-deadlines': {
      description:
        'Terminates, through the grants function, authorizations not rectified by their deadline (Art. 14), from a sparse index',
      expression: 'cron(0 1 * * ? *)',
      function: 'evaluations',
    },
  },
} as const satisfies DutyDecl;
