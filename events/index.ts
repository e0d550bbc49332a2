/**
 * The catalogue of domain events on the platform bus. Each duty declares its events in its own file
 * here (zod schema for the detail, source and detail-type constants) and this index re-exports them.
 */

export * from './applications.js';
export * from './catalog.js';
export * from './define.js';
export * from './demands.js';
export * from './evaluations.js';
export * from './governance.js';
export * from './grants.js';
export * from './incidents.js';
export * from './metering.js';
export * from './processing.js';
export * from './reports.js';
export * from './tasks.js';
