/**
 * The one declaration of the platform: tables, functions, HTTP routes, state machines, event rules
 * and schedules. The CDK stack (infra/stack.ts) and the local runtime (infra/local/) are both built
 * from this file, and test/infra/agreement.test.ts proves they agree.
 *
 * This module is plain data: it imports nothing from the CDK or the AWS SDK, so Lambda handlers may
 * import it (the HTTP edge reads the roles allowed on each route from here).
 */

export const ROLES = [
  'authority',
  'provider',
  'operator',
  'expert',
  'government',
  'regulator',
  'consumer',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

export interface IndexDecl {
  readonly partitionKey: string;
  readonly sortKey?: string;
}

export interface TableDecl {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Global secondary indexes, all projecting every attribute. */
  readonly indexes?: Readonly<Record<string, IndexDecl>>;
  /** Attribute holding an epoch-seconds expiry, if the table uses DynamoDB TTL. */
  readonly timeToLive?: string;
  /** Append-only tables grant functions PutItem only (no update, no delete). */
  readonly appendOnly?: boolean;
}

export type Access = 'read' | 'write';

export interface FunctionDecl {
  /** Source file exporting `handler`, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly tables: Readonly<Partial<Record<TableName, Access>>>;
  /** Publishes domain events on the platform bus. */
  readonly publishesEvents?: boolean;
  /**
   * State machines this function starts executions of or sends task callbacks to. Typed as strings to
   * break the type cycle with StateMachineDecl.functions; `checkedFunctionWorkflows` keeps them checked.
   */
  readonly workflows?: readonly string[];
  readonly memoryMb?: number;
  readonly timeoutSeconds?: number;
}

/**
 * `public`: no token at all. `optional`: no authorizer at the gateway, but a bearer token, when sent,
 * is verified by the handler and widens what the caller sees. A role list: the gateway's JWT
 * authorizer requires a valid token and the edge requires one of these roles.
 */
export type RouteAuth = 'public' | 'optional' | readonly Role[];

export interface RouteDecl {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly function: FunctionName;
  readonly auth: RouteAuth;
  readonly operationId: string;
  readonly summary: string;
}

export interface StateMachineDecl {
  /** ASL file, relative to the repository root. `${<Name>FunctionArn}` placeholders name functions. */
  readonly file: string;
  readonly description: string;
  /** Functions the definition invokes (each becomes a definition substitution). */
  readonly functions: readonly FunctionName[];
}

export interface EventRuleDecl {
  readonly description: string;
  readonly pattern: { readonly source?: readonly string[]; readonly 'detail-type'?: readonly string[] };
  readonly function: FunctionName;
}

export interface ScheduleDecl {
  readonly description: string;
  /** EventBridge Scheduler expression: `rate(…)` or `cron(…)` (UTC). */
  readonly expression: string;
  readonly function: FunctionName;
}

export const tables = {
  catalog: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      // Sparse: only entries the public may see carry `listing`.
      byListing: { partitionKey: 'listing', sortKey: 'listingSort' },
      byDomain: { partitionKey: 'listingDomain', sortKey: 'listingSort' },
      // Every head item of a provider, drafts included, and of all providers (the authority's view).
      byProvider: { partitionKey: 'providerOrg', sortKey: 'createdSort' },
      byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
    },
  },
  audit: { partitionKey: 'resource', sortKey: 'sk', appendOnly: true },
  idempotency: { partitionKey: 'key', timeToLive: 'expiresAt' },
  // Domain events committed with their change, until the bus has them (functions/shared/store.ts).
  outbox: {
    partitionKey: 'id',
    indexes: { byPending: { partitionKey: 'pending', sortKey: 'createdAt' } },
    timeToLive: 'expiresAt',
  },
  // Announcements, applications and their uniqueness guards (Art. 9-10): one item type per key prefix.
  applications: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      // Sparse: published and withdrawn announcements (the public list).
      byListing: { partitionKey: 'listing', sortKey: 'listingSort' },
      // Every announcement / every application (authority, regulators).
      byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
      byAnnouncement: { partitionKey: 'appAnnouncement', sortKey: 'createdSort' },
      byOperator: { partitionKey: 'appOperator', sortKey: 'createdSort' },
      // Domain mode: the granting provider reviewing the application.
      byReviewer: { partitionKey: 'appReviewer', sortKey: 'createdSort' },
    },
  },
  // The Art. 9 credit list (dishonest judgment debtors, major tax violations, serious violations).
  creditList: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      // ORG#<credit code> | PERSON#<id number hash> | NAME#<name>: screening is a Query, never a Scan.
      bySubject: { partitionKey: 'subjectKey', sortKey: 'sk' },
      byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
    },
  },
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
  // Grants (Art. 4, 10.5, 14): the agreement (`GRANT#<id>`/`GRANT`), reminders sent, job checkpoints.
  grants: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
      byGrantor: { partitionKey: 'grantorOrg', sortKey: 'createdSort' },
      byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
      // Sparse: active grants only (公示, GET /public/grants).
      byListing: { partitionKey: 'listing', sortKey: 'listingSort' },
      // Sparse: running grants by expiry day (expiry sweep and reminders query day buckets, never scan).
      byExpiry: { partitionKey: 'expiryDay', sortKey: 'expirySort' },
      // Sparse: grants waiting for signatures, not yet flagged overdue, by deadline (Art. 10.4).
      bySignatureDue: { partitionKey: 'signDueKey', sortKey: 'signDueSort' },
    },
  },
  // Data demands and entitlements (Art. 16).
  entitlements: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      // Sort keys start with the item type (`demand#`, `entitlement#`), so one index serves both lists.
      byOperator: { partitionKey: 'operatorOrg', sortKey: 'opSort' },
      byProvider: { partitionKey: 'providerOrg', sortKey: 'provSort' },
      byKind: { partitionKey: 'kind', sortKey: 'kindSort' },
      // Sparse: entitlements by grant (they follow the grant's events).
      byGrant: { partitionKey: 'entGrant', sortKey: 'entSort' },
    },
  },
  // Data-quality governance requests (Art. 11.1).
  governance: {
    partitionKey: 'pk',
    sortKey: 'sk',
    indexes: {
      byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
      byProvider: { partitionKey: 'providerOrg', sortKey: 'createdSort' },
      byType: { partitionKey: 'itemType', sortKey: 'createdSort' },
      // Sparse: forwarded requests not yet escalated, by deadline (the daily overdue check).
      byDeadline: { partitionKey: 'dueKey', sortKey: 'dueSort' },
    },
  },
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
    },
  },
  // Notifications per recipient (`USER#<id>` or `ROLE#<role>#<org or *>`), fed by domain events.
  notifications: { partitionKey: 'recipient', sortKey: 'sk', timeToLive: 'expiresAt' },
} as const satisfies Record<string, TableDecl>;
export type TableName = keyof typeof tables;

export const functions = {
  catalog: {
    entry: 'functions/catalog/handler.ts',
    description: 'Public data catalog: entries, versions and review (Art. 6-8)',
    tables: { catalog: 'write', audit: 'write', idempotency: 'write' },
  },
  meta: {
    entry: 'functions/meta/handler.ts',
    description: 'Reference codes and the OpenAPI document',
    tables: {},
  },
  applications: {
    entry: 'functions/applications/handler.ts',
    description: 'Announcements, the credit list, applications and the selection steps (Art. 5, 9, 10)',
    tables: {
      applications: 'write',
      creditList: 'write',
      catalog: 'read',
      grants: 'read',
      tasks: 'read',
      audit: 'write',
      idempotency: 'write',
      outbox: 'write',
    },
    publishesEvents: true,
    workflows: ['selection'],
  },
  tasks: {
    entry: 'functions/tasks/handler.ts',
    description:
      'Human review tasks: task-token callbacks, decisions, deadlines and escalation (Art. 10, 15)',
    tables: { tasks: 'write', audit: 'write', idempotency: 'write', outbox: 'write' },
    publishesEvents: true,
    // Answers the waiting human steps of every machine that opens review tasks.
    workflows: ['selection', 'data-demand-review'],
  },
  grants: {
    entry: 'functions/grants/handler.ts',
    description:
      'Grants (agreements): drafting, signatures, suspension, termination, expiry, reminders, exit (Art. 4, 10.5, 14)',
    // Reads the catalog to draft only authorizable entries into a grant's scope (Art. 8).
    tables: { grants: 'write', catalog: 'read', audit: 'write', idempotency: 'write', outbox: 'write' },
    publishesEvents: true,
    // Answers the selection workflow waiting for both signatures.
    workflows: ['selection'],
  },
  entitlements: {
    entry: 'functions/entitlements/handler.ts',
    description: 'Data demands, their parallel review and the entitlements they create (Art. 16)',
    tables: {
      entitlements: 'write',
      grants: 'read',
      catalog: 'read',
      audit: 'write',
      idempotency: 'write',
      outbox: 'write',
    },
    publishesEvents: true,
    workflows: ['data-demand-review'],
  },
  governance: {
    entry: 'functions/governance/handler.ts',
    description: 'Data-quality governance requests, deadlines and escalation (Art. 11.1)',
    tables: {
      governance: 'write',
      entitlements: 'read',
      catalog: 'read',
      audit: 'write',
      idempotency: 'write',
      outbox: 'write',
    },
    publishesEvents: true,
  },
  evaluations: {
    entry: 'functions/evaluations/handler.ts',
    description: 'Evaluations of authorized operation, rectification and its deadline (Art. 13-14)',
    // Reads grants to evaluate only active ones; the grants function acts on its events.
    tables: { evaluations: 'write', grants: 'read', audit: 'write', idempotency: 'write', outbox: 'write' },
    publishesEvents: true,
  },
  notifications: {
    entry: 'functions/notifications/handler.ts',
    description: 'Notifications per recipient, fed by domain events',
    tables: { notifications: 'write', audit: 'write' },
  },
  outbox: {
    entry: 'functions/outbox/handler.ts',
    description: 'Hands on committed events and workflow starts whose first attempt was lost',
    tables: { outbox: 'write' },
    publishesEvents: true,
    workflows: ['selection', 'data-demand-review'],
  },
} as const satisfies Record<string, FunctionDecl>;
export type FunctionName = keyof typeof functions;

export const routes = [
  {
    method: 'GET',
    path: '/catalog',
    function: 'catalog',
    auth: 'optional',
    operationId: 'listCatalogEntries',
    summary: 'List catalog entries (public: approved entries; providers also their own; the authority all)',
  },
  {
    method: 'POST',
    path: '/catalog',
    function: 'catalog',
    auth: ['provider'],
    operationId: 'createCatalogEntry',
    summary: 'Draft a catalog entry for the caller’s organisation',
  },
  {
    method: 'GET',
    path: '/catalog/{id}',
    function: 'catalog',
    auth: 'optional',
    operationId: 'getCatalogEntry',
    summary: 'A catalog entry with its versions',
  },
  {
    method: 'PATCH',
    path: '/catalog/{id}',
    function: 'catalog',
    auth: ['provider'],
    operationId: 'updateCatalogEntry',
    summary: 'Edit a draft, rejected or approved entry (an approved entry gets a new version under review)',
  },
  {
    method: 'POST',
    path: '/catalog/{id}/submit',
    function: 'catalog',
    auth: ['provider'],
    operationId: 'submitCatalogEntry',
    summary: 'Submit the working version for review',
  },
  {
    method: 'POST',
    path: '/catalog/{id}/review',
    function: 'catalog',
    auth: ['authority'],
    operationId: 'reviewCatalogEntry',
    summary: 'Approve or reject the submitted version',
  },
  {
    method: 'GET',
    path: '/meta/domains',
    function: 'meta',
    auth: 'public',
    operationId: 'listDomains',
    summary: 'Priority data domains of Art. 7',
  },
  {
    method: 'GET',
    path: '/meta/codes',
    function: 'meta',
    auth: 'public',
    operationId: 'listCodes',
    summary: 'Every code list with Chinese and English labels',
  },
  {
    method: 'GET',
    path: '/openapi.json',
    function: 'meta',
    auth: 'public',
    operationId: 'getOpenApi',
    summary: 'This API as an OpenAPI 3.1 document',
  },
  // Announcements (Art. 10.1)
  {
    method: 'GET',
    path: '/announcements',
    function: 'applications',
    auth: 'optional',
    operationId: 'listAnnouncements',
    summary: 'Published (and withdrawn) announcements; the authority also its drafts',
  },
  {
    method: 'POST',
    path: '/announcements',
    function: 'applications',
    auth: ['authority'],
    operationId: 'createAnnouncement',
    summary: 'Draft a yearly authorized-operation announcement',
  },
  {
    method: 'GET',
    path: '/announcements/{id}',
    function: 'applications',
    auth: 'optional',
    operationId: 'getAnnouncement',
    summary: 'An announcement',
  },
  {
    method: 'PATCH',
    path: '/announcements/{id}',
    function: 'applications',
    auth: ['authority'],
    operationId: 'updateAnnouncement',
    summary: 'Edit a draft announcement',
  },
  {
    method: 'POST',
    path: '/announcements/{id}/publish',
    function: 'applications',
    auth: ['authority'],
    operationId: 'publishAnnouncement',
    summary: 'Publish a draft (scope and window checked)',
  },
  {
    method: 'POST',
    path: '/announcements/{id}/withdraw',
    function: 'applications',
    auth: ['authority'],
    operationId: 'withdrawAnnouncement',
    summary: 'Withdraw a published announcement before its window opens',
  },
  // Credit list (Art. 9)
  {
    method: 'GET',
    path: '/credit-list',
    function: 'applications',
    auth: ['authority', 'regulator'],
    operationId: 'listCreditListEntries',
    summary: 'Credit list entries, by credit code or legal representative',
  },
  {
    method: 'POST',
    path: '/credit-list',
    function: 'applications',
    auth: ['authority'],
    operationId: 'createCreditListEntry',
    summary: 'Add a credit list entry',
  },
  {
    method: 'POST',
    path: '/credit-list/import',
    function: 'applications',
    auth: ['authority'],
    operationId: 'importCreditList',
    summary: 'Bulk import credit list entries (re-importing the same entry replaces it)',
  },
  {
    method: 'GET',
    path: '/credit-list/{id}',
    function: 'applications',
    auth: ['authority', 'regulator'],
    operationId: 'getCreditListEntry',
    summary: 'A credit list entry',
  },
  {
    method: 'PATCH',
    path: '/credit-list/{id}',
    function: 'applications',
    auth: ['authority'],
    operationId: 'updateCreditListEntry',
    summary:
      'Edit a credit list entry; removal from the list is recorded with removedAt, keeping the history',
  },
  // Applications (Art. 9, 10.2-10.5)
  {
    method: 'POST',
    path: '/applications',
    function: 'applications',
    auth: ['operator'],
    operationId: 'submitApplication',
    summary: 'Apply for a published announcement, or for the renewal of a grant',
  },
  {
    method: 'GET',
    path: '/applications',
    function: 'applications',
    auth: ['operator', 'authority', 'provider', 'government', 'regulator'],
    operationId: 'listApplications',
    summary: 'Applications the caller may see',
  },
  {
    method: 'GET',
    path: '/applications/{id}',
    function: 'applications',
    auth: ['operator', 'authority', 'provider', 'government', 'regulator'],
    operationId: 'getApplication',
    summary: 'An application with its current step, decisions and deadlines',
  },
  {
    method: 'POST',
    path: '/applications/{id}/withdraw',
    function: 'applications',
    auth: ['operator'],
    operationId: 'withdrawApplication',
    summary: 'Withdraw an application before the final decision',
  },
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
  // Grants (Art. 4, 10.5, 14)
  {
    method: 'GET',
    path: '/grants',
    function: 'grants',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'listGrants',
    summary:
      'Grants the caller may see (operator: its own; provider: those it granted; authority, regulators: all)',
  },
  {
    method: 'GET',
    path: '/grants/{id}',
    function: 'grants',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'getGrant',
    summary: 'A grant with its terms, signatures and exit confirmations',
  },
  {
    method: 'GET',
    path: '/public/grants',
    function: 'grants',
    auth: 'public',
    operationId: 'listPublicGrants',
    summary: 'Active grants: operator, mode, scope and term (公示)',
  },
  {
    method: 'POST',
    path: '/grants/{id}/sign',
    function: 'grants',
    auth: ['operator', 'provider', 'authority'],
    operationId: 'signGrant',
    summary:
      'Sign the agreement (the grantor and the operator, once each; the second signature activates it)',
  },
  {
    method: 'POST',
    path: '/grants/{id}/suspend',
    function: 'grants',
    auth: ['authority', 'provider'],
    operationId: 'suspendGrant',
    summary: 'Suspend an active grant with a reason (Art. 14)',
  },
  {
    method: 'POST',
    path: '/grants/{id}/reinstate',
    function: 'grants',
    auth: ['authority', 'provider'],
    operationId: 'reinstateGrant',
    summary: 'Reinstate a suspended grant',
  },
  {
    method: 'POST',
    path: '/grants/{id}/terminate',
    function: 'grants',
    auth: ['authority', 'provider'],
    operationId: 'terminateGrant',
    summary: 'Terminate a grant with a reason (Art. 14)',
  },
  {
    method: 'POST',
    path: '/grants/{id}/exit-confirmations',
    function: 'grants',
    auth: ['operator', 'provider', 'authority'],
    operationId: 'confirmGrantExit',
    summary: 'Record an exit confirmation of a terminated or expired grant (Art. 4)',
  },
  // Data demands and entitlements (Art. 16)
  {
    method: 'POST',
    path: '/demands',
    function: 'entitlements',
    auth: ['operator'],
    operationId: 'createDemand',
    summary: 'File a data demand for an application scenario under an active grant',
  },
  {
    method: 'GET',
    path: '/demands',
    function: 'entitlements',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'listDemands',
    summary: 'Data demands the caller may see',
  },
  {
    method: 'GET',
    path: '/demands/{id}',
    function: 'entitlements',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'getDemand',
    summary: 'A data demand with its reviews',
  },
  {
    method: 'GET',
    path: '/entitlements',
    function: 'entitlements',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'listEntitlements',
    summary: 'Entitlements (operator: its own; provider: on its entries; authority, regulators: all)',
  },
  {
    method: 'GET',
    path: '/entitlements/check',
    function: 'entitlements',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'checkEntitlement',
    summary: 'Whether an operator is entitled to a catalog entry now',
  },
  // Data-quality governance (Art. 11.1)
  {
    method: 'POST',
    path: '/governance-requests',
    function: 'governance',
    auth: ['operator'],
    operationId: 'createGovernanceRequest',
    summary: 'Report a data-quality problem on an entry the operator is entitled to',
  },
  {
    method: 'GET',
    path: '/governance-requests',
    function: 'governance',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'listGovernanceRequests',
    summary: 'Governance requests the caller may see (authority: overdue=true for escalations)',
  },
  {
    method: 'GET',
    path: '/governance-requests/{id}',
    function: 'governance',
    auth: ['operator', 'provider', 'authority', 'regulator'],
    operationId: 'getGovernanceRequest',
    summary: 'A governance request with its history',
  },
  {
    method: 'POST',
    path: '/governance-requests/{id}/forward',
    function: 'governance',
    auth: ['authority'],
    operationId: 'forwardGovernanceRequest',
    summary: 'Forward a request to the provider with a deadline',
  },
  {
    method: 'POST',
    path: '/governance-requests/{id}/respond',
    function: 'governance',
    auth: ['provider'],
    operationId: 'respondGovernanceRequest',
    summary: 'The provider reports the problem resolved',
  },
  {
    method: 'POST',
    path: '/governance-requests/{id}/confirm',
    function: 'governance',
    auth: ['operator'],
    operationId: 'confirmGovernanceRequest',
    summary: 'The operator confirms the resolution',
  },
  {
    method: 'POST',
    path: '/governance-requests/{id}/reopen',
    function: 'governance',
    auth: ['operator'],
    operationId: 'reopenGovernanceRequest',
    summary: 'The operator reopens an unresolved problem',
  },
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
] as const satisfies readonly RouteDecl[];

export const stateMachines = {
  selection: {
    file: 'state-machines/selection.asl.json',
    description:
      'Selecting an operator (Art. 10.3-10.5): qualification review, expert panel and scoring, government approval, grant signature',
    functions: ['applications', 'tasks', 'grants'],
  },
  'data-demand-review': {
    file: 'state-machines/data-demand-review.asl.json',
    description:
      'Data demand review (Art. 16): the authority and each providing unit review in parallel; all must approve',
    functions: ['tasks', 'entitlements'],
  },
} as const satisfies Record<string, StateMachineDecl>;
export type StateMachineName = keyof typeof stateMachines;
/** Compile-time check that every function's `workflows` names a declared state machine (see FunctionDecl). */
export const checkedFunctionWorkflows: Readonly<
  Record<string, { readonly entry: string; readonly workflows?: readonly StateMachineName[] }>
> = functions;

export const eventRules = {
  'tasks-cancel-on-withdrawal': {
    description: 'A withdrawn application cancels its pending review tasks and ends its selection workflow',
    pattern: { source: ['shiyan.applications'], 'detail-type': ['ApplicationWithdrawn'] },
    function: 'tasks',
  },
  // Patterns equal patternOf(...) of events/ (test/unit/grants-rules.test.ts checks it).
  'entitlements-follow-grants': {
    description: 'Entitlements follow their grant: suspended, reinstated, ended; a renewal carries them over',
    pattern: {
      source: ['shiyan.grants'],
      'detail-type': [
        'GrantActivated',
        'GrantSuspended',
        'GrantReinstated',
        'GrantTerminated',
        'GrantExpired',
      ],
    },
    function: 'entitlements',
  },
  // Pattern equals patternOf(...EVALUATION_GRANT_EVENTS) (test/unit/evaluations-domain.test.ts checks it).
  'grants-follow-evaluations': {
    description:
      'Art. 14: a failed evaluation suspends the grant, an accepted rectification reinstates it, an overdue one terminates it',
    pattern: {
      source: ['shiyan.evaluations'],
      'detail-type': ['EvaluationFailed', 'EvaluationRectified', 'EvaluationRectificationOverdue'],
    },
    function: 'grants',
  },
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
    description: 'Notifies the operator of the outcome of its data demands',
    pattern: { source: ['shiyan.demands'], 'detail-type': ['DemandApproved', 'DemandRejected'] },
    function: 'notifications',
  },
  'notifications-from-governance': {
    description: 'Notifies the authority, provider and operator of governance request steps and escalations',
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
} as const satisfies Record<string, EventRuleDecl>;

export const schedules = {
  'outbox-relay': {
    description: 'Publishes outbox events older than a minute (a publish after commit failed)',
    expression: 'rate(1 minute)',
    function: 'outbox',
  },
  'review-task-deadlines': {
    description: 'Flags pending review tasks past their deadline and raises the escalation event',
    expression: 'rate(1 hour)',
    function: 'tasks',
  },
  'grant-expiry': {
    description: 'Expires grants whose 2-year term has ended (Art. 10.5), from the sparse expiry index',
    expression: 'rate(5 minutes)',
    function: 'grants',
  },
  'grant-reminders': {
    description:
      'Reminds operators and grantors 90, 30 and 7 days before a grant expires (Art. 10.5), once each',
    expression: 'cron(0 1 * * ? *)',
    function: 'grants',
  },
  'grant-signature-overdue': {
    description:
      'Flags agreements not signed by their deadline and escalates each once (Art. 10.4), from a sparse index',
    expression: 'rate(1 hour)',
    function: 'grants',
  },
  'evaluation-rectification-deadlines': {
    description:
      'Terminates, through the grants function, authorizations not rectified by their deadline (Art. 14), from a sparse index',
    expression: 'cron(0 1 * * ? *)',
    function: 'evaluations',
  },
  'governance-overdue': {
    description: 'Escalates governance requests past their deadline (Art. 11.1)',
    expression: 'cron(0 2 * * ? *)',
    function: 'governance',
  },
} as const satisfies Record<string, ScheduleDecl>;

/** The custom EventBridge bus every domain event travels on. */
export const EVENT_BUS = 'platform';

export const routeKey = (r: Pick<RouteDecl, 'method' | 'path'>): string => `${r.method} ${r.path}`;

/** Environment variable naming, shared by CDK and the local runtime so they cannot drift. */
export const env = {
  table: (t: TableName) => `TABLE_${t.toUpperCase()}`,
  stateMachine: (m: string) => `STATE_MACHINE_${m.toUpperCase().replace(/-/g, '_')}_ARN`,
  eventBus: 'EVENT_BUS_NAME',
  stage: 'STAGE',
  issuer: 'JWT_ISSUER',
  audience: 'JWT_AUDIENCE',
  jwksUrl: 'JWKS_URL',
} as const;

/** `${CatalogFunctionArn}` style placeholder for a function in an ASL file. */
export const functionArnPlaceholder = (f: string): string =>
  `${f.replace(/(^|-)(\w)/g, (_m, _d: string, c: string) => c.toUpperCase())}FunctionArn`;
