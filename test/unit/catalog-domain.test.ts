import { describe, expect, it } from 'vitest';
import {
  createEntry,
  isAuthorizable,
  isPublic,
  reviewEntry,
  submitEntry,
  updateEntry,
} from '../../functions/catalog/domain.js';
import { CatalogContent } from '../../functions/catalog/schemas.js';
import type { Principal } from '../../functions/shared/auth.js';
import { ConflictError, ForbiddenError, StaleVersionError } from '../../functions/shared/errors.js';

const provider: Principal = { userId: 'u1', role: 'provider', roles: ['provider'], org: 'ORG-A' };
const otherProvider: Principal = { ...provider, org: 'ORG-B' };
const authority: Principal = { userId: 'a1', role: 'authority', roles: ['authority'], org: 'AUTH' };
const now = new Date('2026-01-01T00:00:00Z');

const content = CatalogContent.parse({
  title: 't',
  description: 'd',
  domain: 'credit',
  dataItems: [{ name: 'n', type: 'string', personalInformation: false }],
  updateFrequency: 'daily',
  format: 'csv',
  classification: 'general',
  openness: 'unconditional',
});

const approved = (c = content) => {
  const draft = createEntry({ id: 'ce_1', principal: provider, content: c, now });
  return reviewEntry(submitEntry(draft, provider, 1, now), authority, { decision: 'approve' }, 2, now);
};

describe('catalog rules', () => {
  it('only an approved entry without Art. 8 flags is authorizable', () => {
    const draft = createEntry({ id: 'ce_1', principal: provider, content, now });
    expect(isAuthorizable(draft)).toBe(false);
    expect(isAuthorizable(approved())).toBe(true);
    for (const flag of ['stateSecret', 'publicSafety', 'closedByLaw'] as const) {
      const flagged = approved({ ...content, restrictions: { ...content.restrictions, [flag]: true } });
      expect(isAuthorizable(flagged)).toBe(false);
      expect(isPublic(flagged)).toBe(flag !== 'stateSecret');
    }
  });

  it('only the owning provider edits or submits, only the authority reviews', () => {
    const draft = createEntry({ id: 'ce_1', principal: provider, content, now });
    expect(() => updateEntry(draft, otherProvider, { title: 'x' }, undefined, now)).toThrow(ForbiddenError);
    expect(() => submitEntry(draft, authority, undefined, now)).toThrow(ForbiddenError);
    const submitted = submitEntry(draft, provider, undefined, now);
    expect(() => reviewEntry(submitted, provider, { decision: 'approve' }, undefined, now)).toThrow(
      ForbiddenError,
    );
  });

  it('refuses stale versions and transitions the state forbids', () => {
    const draft = createEntry({ id: 'ce_1', principal: provider, content, now });
    expect(() => updateEntry(draft, provider, { title: 'x' }, 7, now)).toThrow(StaleVersionError);
    expect(() => reviewEntry(draft, authority, { decision: 'approve' }, undefined, now)).toThrow(
      ConflictError,
    );
    const submitted = submitEntry(draft, provider, undefined, now);
    expect(() => updateEntry(submitted, provider, { title: 'x' }, undefined, now)).toThrow(ConflictError);
    expect(() => submitEntry(submitted, provider, undefined, now)).toThrow(ConflictError);
  });

  it('a change to an approved entry opens a new revision under review and keeps the published one', () => {
    const e = updateEntry(approved(), provider, { title: 'new' }, undefined, now);
    expect(e.working).toMatchObject({ revision: 2, status: 'submitted', content: { title: 'new' } });
    expect(e.published).toMatchObject({ revision: 1, content: { title: 't' } });
    expect(isAuthorizable(e)).toBe(true);
  });

  it('every change bumps the version', () => {
    const draft = createEntry({ id: 'ce_1', principal: provider, content, now });
    const edited = updateEntry(draft, provider, { title: 'x' }, 1, now);
    expect(edited.version).toBe(2);
    expect(submitEntry(edited, provider, 2, now).version).toBe(3);
  });
});
