/** Announcements, the credit list, applications and the selection workflow (Art. 5, 9, 10). Part of the one declaration composed in infra/system.ts. */
import type { DutyDecl } from './types.js';

export const applications = {
  tables: {
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
  },
  functions: {
    applications: {
      entry: 'functions/applications/handler.ts',
      description: 'Announcements, the credit list, applications and the selection steps (Art. 5, 9, 10)',
      tables: {
        applications: 'write',
        creditList: 'write',
        // Operators are registered with their first application (Art. 18).
        organisations: 'write',
        catalog: 'read',
        grants: 'read',
        tasks: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      publishesEvents: true,
      workflows: ['selection'],
      personKey: true,
    },
  },
  routes: [
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
  ],
  stateMachines: {
    selection: {
      file: 'state-machines/selection.asl.json',
      description:
        'Selecting an operator (Art. 10.3-10.5): qualification review, expert panel and scoring, government approval, grant signature',
      functions: ['applications', 'tasks', 'grants'],
    },
  },
  eventRules: {},
  schedules: {},
} as const satisfies DutyDecl;
