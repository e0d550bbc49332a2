import type { Deps } from '../shared/deps.js';
import { applicantKeys, hitOf, inForce } from './credit-list.js';
import type { CreditHit } from './domain.js';
import { creditListRepository } from './repository.js';
import type { SubmitApplication } from './schemas.js';

/**
 * Art. 9 screening: the credit list entries in force for the applicant organisation (by credit code)
 * and its legal representative (by identity number hash, or by name for entries listed by name only).
 * Three Queries on the subject index; organisation hits come first.
 */
export const screeningHits = async (
  deps: Pick<Deps, 'db' | 'tables'>,
  body: Pick<SubmitApplication, 'creditCode' | 'legalRepresentative'>,
  /** The HMAC lookup key of the legal representative's identity number. */
  idNumberKey: string,
  now: Date,
): Promise<CreditHit[]> => {
  const keys = applicantKeys(body.creditCode, {
    personKey: idNumberKey,
    name: body.legalRepresentative.name,
  });
  const entries = await creditListRepository(deps).bySubject(keys);
  return entries
    .filter((e) => inForce(e, now))
    .map(hitOf)
    .sort((a, b) => (a.subject === b.subject ? 0 : a.subject === 'organisation' ? -1 : 1));
};
