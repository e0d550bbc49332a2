import * as z from 'zod';
import { codesOf, INCIDENT_KINDS, INCIDENT_STATUSES } from '../shared/codes.js';
import { SEVERITIES } from './domain.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const version = z.number().int().positive().optional();

export const IncidentId = z.object({ id: z.string().regex(/^si_[0-9a-z]{10,40}$/, 'Not an incident id') });

export const ReportIncident = z.object({
  grantId: z
    .string()
    .regex(/^gr_[0-9a-z]{10,60}$/)
    .optional(),
  kind: z.enum(codesOf(INCIDENT_KINDS)),
  severity: z.enum(SEVERITIES),
  occurredAt: z.iso.datetime({ offset: true }),
  affectedEntries: z
    .array(z.string().regex(/^ce_[0-9a-z]{10,40}$/, 'A catalog entry id'))
    .max(200)
    .default([]),
  description: text(8000),
  measures: text(8000),
});

export const IncidentUpdateBody = z.object({ note: text(4000), version });
export const CloseIncident = z.object({ conclusion: text(4000), version });

export const ListIncidentsQuery = z.object({
  status: z.enum(codesOf(INCIDENT_STATUSES)).optional(),
  severity: z.enum(SEVERITIES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(2000).optional(),
});
