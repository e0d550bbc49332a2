/**
 * Data products (Art. 4, 11.2), their registration with public notice and objections, price caps,
 * subscriptions, usage, charges and revenue (Art. 12.3, 18), and the annual disclosure. Part of the
 * one declaration composed in infra/system.ts.
 */
import type { DutyDecl } from './types.js';

const VIEWERS = ['operator', 'authority', 'regulator'] as const;

export const products = {
  tables: {
    // Products, objections, price caps, subscriptions, usage records and counters (functions/products/repository.ts).
    products: {
      partitionKey: 'pk',
      sortKey: 'sk',
      timeToLive: 'expiresAt',
      indexes: {
        byOperator: { partitionKey: 'operatorOrg', sortKey: 'createdSort' },
        byGrant: { partitionKey: 'prodGrant', sortKey: 'createdSort' },
        byKind: { partitionKey: 'kind', sortKey: 'createdSort' },
        // Sparse: products on notice, registered or suspended (the public list).
        byListing: { partitionKey: 'listing', sortKey: 'listSort' },
        // Sparse: versions on notice, by the end of their notice (the registration schedule).
        byNoticeEnd: { partitionKey: 'noticeKey', sortKey: 'noticeSort' },
        byProduct: { partitionKey: 'subProduct', sortKey: 'createdSort' },
        byConsumer: { partitionKey: 'consumerOrg', sortKey: 'createdSort' },
        bySubOperator: { partitionKey: 'subOperator', sortKey: 'createdSort' },
      },
    },
  },
  functions: {
    products: {
      entry: 'functions/products/handler.ts',
      description:
        'Data products with public notice and objections, price caps, subscriptions, usage, charges, revenue and the annual disclosure (Art. 4, 11.2, 12.3, 18)',
      tables: {
        products: 'write',
        grants: 'read',
        entitlements: 'read',
        catalog: 'read',
        evaluations: 'read',
        audit: 'write',
        idempotency: 'write',
        outbox: 'write',
      },
      // Publishes the metered API calls of operators' delivery systems (ResourceUsed, Art. 17).
      publishesEvents: true,
    },
  },
  routes: [
    // Products (Art. 4, 11.2)
    {
      method: 'POST',
      path: '/products',
      function: 'products',
      auth: ['operator'],
      operationId: 'createProduct',
      summary:
        'Register a product built on own active entitlements under a grant in force; goes to review (Art. 4, 11.2)',
    },
    {
      method: 'GET',
      path: '/products',
      function: 'products',
      auth: VIEWERS,
      operationId: 'listProducts',
      summary: 'Products the caller may see (operator: its own; authority, regulators: all)',
    },
    {
      method: 'GET',
      path: '/products/{id}',
      function: 'products',
      auth: VIEWERS,
      operationId: 'getProduct',
      summary: 'A product with its registered version and the version under review or on notice',
    },
    {
      method: 'POST',
      path: '/products/{id}/versions',
      function: 'products',
      auth: ['operator'],
      operationId: 'changeProduct',
      summary: 'Submit a change as a new version, through the same review and notice',
    },
    {
      method: 'POST',
      path: '/products/{id}/review',
      function: 'products',
      auth: ['authority'],
      operationId: 'reviewProduct',
      summary: 'Approve a version onto public notice (10 working days by default) or reject it with a reason',
    },
    {
      method: 'POST',
      path: '/products/{id}/withdraw',
      function: 'products',
      auth: ['operator'],
      operationId: 'withdrawProduct',
      summary: 'Withdraw (注销) a product',
    },
    {
      method: 'GET',
      path: '/products/{id}/objections',
      function: 'products',
      auth: VIEWERS,
      operationId: 'listObjections',
      summary: 'Objections filed against a product during its notice',
    },
    {
      method: 'POST',
      path: '/products/{id}/objections/{objectionId}/decision',
      function: 'products',
      auth: ['authority'],
      operationId: 'handleObjection',
      summary: 'Uphold an objection (the version is rejected with the reasons) or dismiss it',
    },
    {
      method: 'GET',
      path: '/public/products',
      function: 'products',
      auth: 'public',
      operationId: 'listPublicProducts',
      summary:
        'Public product list: products on notice, registered or suspended, with prices and free public-interest terms',
    },
    {
      method: 'GET',
      path: '/public/products/{id}',
      function: 'products',
      auth: 'public',
      operationId: 'getPublicProduct',
      summary: 'A product as the public sees it',
    },
    {
      method: 'POST',
      path: '/public/products/{id}/objections',
      function: 'products',
      auth: 'optional',
      operationId: 'fileObjection',
      summary:
        'Object, with reasons, to a product on public notice (anyone, with or without an account; rate-limited)',
    },
    // Price caps (Art. 12.3)
    {
      method: 'GET',
      path: '/public/price-caps',
      function: 'products',
      auth: 'public',
      operationId: 'listPriceCaps',
      summary: 'Price caps in force (per product, or per form and billing unit)',
    },
    {
      method: 'POST',
      path: '/price-caps',
      function: 'products',
      auth: ['authority'],
      operationId: 'setPriceCap',
      summary: 'Set a price cap per product, or per form and billing unit (Art. 12.3)',
    },
    // Subscriptions and usage (Art. 18)
    {
      method: 'POST',
      path: '/products/{id}/subscriptions',
      function: 'products',
      auth: ['consumer'],
      operationId: 'subscribe',
      summary: 'Subscribe to a registered product with a declared purpose (public interest: free)',
    },
    {
      method: 'GET',
      path: '/subscriptions',
      function: 'products',
      auth: ['consumer', 'operator', 'authority', 'regulator'],
      operationId: 'listSubscriptions',
      summary:
        'Subscriptions the caller may see (consumer: its own; operator: of its products; others: per product)',
    },
    {
      method: 'GET',
      path: '/subscriptions/{id}',
      function: 'products',
      auth: ['consumer', 'operator', 'authority', 'regulator'],
      operationId: 'getSubscription',
      summary: 'A subscription',
    },
    {
      method: 'POST',
      path: '/subscriptions/{id}/decision',
      function: 'products',
      auth: ['operator', 'authority'],
      operationId: 'decideSubscription',
      summary: 'The operator approves or rejects; then the authority where the product requires it',
    },
    {
      method: 'POST',
      path: '/subscriptions/{id}/cancel',
      function: 'products',
      auth: ['consumer'],
      operationId: 'cancelSubscription',
      summary: 'The consumer ends its subscription',
    },
    {
      method: 'POST',
      path: '/subscriptions/{id}/usage',
      function: 'products',
      auth: ['operator'],
      operationId: 'recordUsage',
      summary:
        'The operator’s delivery system records one use (idempotent on usageId); disallowed re-use is refused and recorded',
    },
    {
      method: 'GET',
      path: '/subscriptions/{id}/charges',
      function: 'products',
      auth: ['consumer', 'operator', 'authority', 'regulator'],
      operationId: 'getCharges',
      summary:
        'Charges of a subscription for a month: usage × price (tiers), nothing for public-interest use',
    },
    {
      method: 'GET',
      path: '/revenue',
      function: 'products',
      auth: ['operator', 'provider', 'authority', 'regulator'],
      operationId: 'getRevenue',
      summary:
        'Revenue of a month per product and its distribution among operator, grantor and authority (Art. 12.3)',
    },
    {
      method: 'GET',
      path: '/public/disclosures/{year}',
      function: 'products',
      auth: 'public',
      operationId: 'getDisclosure',
      summary:
        'Annual disclosure: grants, price caps, authorized data, products and fees per operator, evaluation results',
    },
  ],
  stateMachines: {},
  eventRules: {
    // Pattern equals patternOf(GrantSuspended, GrantReinstated, GrantTerminated, GrantExpired) of events/grants.ts.
    'products-follow-grants': {
      description: 'Products follow their grant: suspended, reinstated, delisted when it ends',
      pattern: {
        source: ['shiyan.grants'],
        'detail-type': ['GrantSuspended', 'GrantReinstated', 'GrantTerminated', 'GrantExpired'],
      },
      function: 'products',
    },
    // Pattern equals patternOf(EntitlementsEnded) of events/demands.ts.
    'products-follow-entitlements': {
      description: 'A product is suspended when an entitlement it is built on ends (Art. 8)',
      pattern: { source: ['shiyan.demands'], 'detail-type': ['EntitlementsEnded'] },
      function: 'products',
    },
  },
  schedules: {
    'product-notice-end': {
      description:
        'Registers products whose public notice ended without an upheld or open objection, from a sparse index',
      expression: 'rate(15 minutes)',
      function: 'products',
    },
    'product-month-close': {
      description:
        'Closes last month’s product charges per subscription and revenue per product, once whatever the retries (Art. 12.3)',
      // 02:00 UTC on the 1st = 10:00 in Shiyan; again on the 2nd and 3rd in case a run failed (idempotent).
      expression: 'cron(0 2 1-3 * ? *)',
      function: 'products',
    },
  },
} as const satisfies DutyDecl;
