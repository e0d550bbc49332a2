/** Human review tasks of every workflow (Art. 10, 15). Part of the one declaration composed in infra/system.ts. */
import { type DutyDecl, ROLES } from './types.js';

export const tasks = {
  tables: {
    // Generic human review tasks (task-token callbacks of the state machines).
    tasks: {
      partitionKey: 'pk',
      sortKey: 'sk',
      indexes: {
        // USER#<userId> | ROLE#<role>#<org or *>, sorted by <status>#<createdAt>#<id>.
        byAssignee: { partitionKey: 'assigneeKey', sortKey: 'assigneeSort' },
        // Sparse: pending tasks by due date (supervision, Art. 15).
        byPending: { partitionKey: 'pendingKey', sortKey: 'dueSort' },
        // Sparse: pending tasks not yet flagged overdue (the deadline sweep).
        byDeadline: { partitionKey: 'deadlineKey', sortKey: 'dueSort' },
      },
    },
  },
  functions: {
    tasks: {
      entry: 'functions/tasks/handler.ts',
      description:
        'Human review tasks: task-token callbacks, decisions, deadlines and escalation (Art. 10, 15)',
      tables: { tasks: 'write', audit: 'write', idempotency: 'write', outbox: 'write' },
      publishesEvents: true,
      // Answers the waiting human steps of every machine that opens review tasks.
      workflows: ['selection', 'data-demand-review'],
    },
  },
  routes: [
    // Review tasks (Art. 10.3-10.4, 15)
    {
      method: 'GET',
      path: '/tasks',
      function: 'tasks',
      auth: ROLES,
      operationId: 'listTasks',
      summary: 'Review tasks assigned to the caller (the authority: all=true for every pending task)',
    },
    {
      method: 'GET',
      path: '/tasks/{id}',
      function: 'tasks',
      auth: ROLES,
      operationId: 'getTask',
      summary: 'A review task',
    },
    {
      method: 'POST',
      path: '/tasks/{id}/decision',
      function: 'tasks',
      auth: ROLES,
      operationId: 'decideTask',
      summary: 'Decide a pending review task (only its assignee, once)',
    },
    {
      method: 'POST',
      path: '/tasks/decisions',
      function: 'tasks',
      auth: ['authority'],
      operationId: 'decideTasks',
      summary:
        'Decide several pending tasks of one kind at once: the authority submits the review results of several applications of one announcement to the government (Art. 10.3)',
    },
  ],
  stateMachines: {},
  eventRules: {
    'tasks-cancel-on-withdrawal': {
      description: 'A withdrawn application cancels its pending review tasks and ends its selection workflow',
      pattern: { source: ['shiyan.applications'], 'detail-type': ['ApplicationWithdrawn'] },
      function: 'tasks',
    },
    'tasks-open-credit-listing-review': {
      description:
        'Art. 9: a running grantee put on the credit list opens the authority’s credit-listing-review task',
      pattern: { source: ['shiyan.grants'], 'detail-type': ['GrantCreditListed'] },
      function: 'tasks',
    },
  },
  schedules: {
    'review-task-deadlines': {
      description: 'Flags pending review tasks past their deadline and raises the escalation event',
      expression: 'rate(1 hour)',
      function: 'tasks',
    },
  },
} as const satisfies DutyDecl;
