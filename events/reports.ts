import * as z from 'zod';
import { defineEvent } from './define.js';

/**
 * Events of the reports duty (Art. 12.2 periodic operation reports, Art. 13 truthful materials). Each
 * carries the parties, so notifications never read the reports table; `version` is the report's
 * version after the change.
 */
const ReportFacts = z.object({
  reportId: z.string(),
  version: z.number().int().positive(),
  revision: z.number().int().positive(),
  grantId: z.string(),
  operatorOrg: z.string(),
  grantorOrg: z.string(),
  authorityOrg: z.string().optional(),
  period: z.string(),
  cadence: z.enum(['quarterly', 'annual']),
  dueAt: z.string(),
  at: z.string(),
});

const SOURCE = 'reports';

/** A report became due for a period (created by the `reports-due` schedule). */
export const ReportDue = defineEvent(SOURCE, 'ReportDue', ReportFacts);
export const ReportSubmitted = defineEvent(
  SOURCE,
  'ReportSubmitted',
  ReportFacts.extend({ late: z.boolean() }),
);
/** Not submitted by its due date: flagged, the operator and the authority are told. */
export const ReportOverdue = defineEvent(SOURCE, 'ReportOverdue', ReportFacts);
/** Art. 13: the authority asks for supplementary material by a deadline. */
export const ReportSupplementRequested = defineEvent(
  SOURCE,
  'ReportSupplementRequested',
  ReportFacts.extend({ request: z.string(), supplementDueBy: z.string() }),
);
export const ReportSupplementOverdue = defineEvent(
  SOURCE,
  'ReportSupplementOverdue',
  ReportFacts.extend({ supplementDueBy: z.string() }),
);
export const ReportAccepted = defineEvent(SOURCE, 'ReportAccepted', ReportFacts);
/** A submitted report is corrected: a new revision (draft) keeps the old one. */
export const ReportCorrected = defineEvent(SOURCE, 'ReportCorrected', ReportFacts);

export const REPORT_EVENTS = [
  ReportDue,
  ReportSubmitted,
  ReportOverdue,
  ReportSupplementRequested,
  ReportSupplementOverdue,
  ReportAccepted,
  ReportCorrected,
] as const;

/**
 * Internal continuation of the `reports-due` run (not a domain fact; no notification reads it): the
 * next page of active grants to create due reports for. `asOf` is the run's instant, so that every page
 * computes the same periods; `runDay` (CST) and `page` name the continuation once (a marker item).
 */
export const ReportsDuePage = defineEvent(
  SOURCE,
  'ReportsDuePage',
  z.object({
    asOf: z.string(),
    runDay: z.string(),
    page: z.number().int().min(2),
    cursor: z.string().min(1),
  }),
);
