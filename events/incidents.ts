import * as z from 'zod';
import { defineEvent } from './define.js';

/** Security incidents on authorized data (Art. 12.4, 18). */
const IncidentFacts = z.object({
  incidentId: z.string(),
  version: z.number().int().positive(),
  reporterOrg: z.string(),
  reporterRole: z.string(),
  grantId: z.string().optional(),
  kind: z.string(),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  at: z.string(),
});

const SOURCE = 'incidents';

/** Reported; a high or critical one is notified to the authority and regulators at once. */
export const SecurityIncidentReported = defineEvent(SOURCE, 'SecurityIncidentReported', IncidentFacts);
export const SecurityIncidentClosed = defineEvent(
  SOURCE,
  'SecurityIncidentClosed',
  IncidentFacts.extend({ conclusion: z.string() }),
);
