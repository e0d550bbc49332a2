import * as z from 'zod';
import { defineEvent } from './define.js';

/** Events of data-quality governance requests (Art. 11.1). */
const RequestFacts = z.object({
  requestId: z.string(),
  operatorOrg: z.string(),
  providerOrg: z.string(),
  entryId: z.string(),
  entryTitle: z.string(),
  kind: z.string(),
  status: z.string(),
  deadline: z.string().nullable(),
  at: z.string(),
});

const SOURCE = 'governance';

export const GovernanceRequestFiled = defineEvent(SOURCE, 'GovernanceRequestFiled', RequestFacts);
export const GovernanceRequestForwarded = defineEvent(SOURCE, 'GovernanceRequestForwarded', RequestFacts);
export const GovernanceRequestResolved = defineEvent(SOURCE, 'GovernanceRequestResolved', RequestFacts);
export const GovernanceRequestConfirmed = defineEvent(SOURCE, 'GovernanceRequestConfirmed', RequestFacts);
export const GovernanceRequestReopened = defineEvent(
  SOURCE,
  'GovernanceRequestReopened',
  RequestFacts.extend({ reason: z.string() }),
);
/** The provider missed the deadline the authority set: the authority must act (Art. 11.1). */
export const GovernanceRequestEscalated = defineEvent(SOURCE, 'GovernanceRequestEscalated', RequestFacts);
