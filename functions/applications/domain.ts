/**
 * The applications duty's plain rules (Art. 5, 9, 10), one module per record: announcements, the
 * credit list screening, applications (with their selection workflow) and renewal. This index keeps
 * one import path for the duty's handlers and tests.
 */
export * from './announcements.js';
export * from './application.js';
export * from './credit-list.js';
export * from './renewal.js';
