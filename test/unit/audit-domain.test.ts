import { describe, expect, it } from 'vitest';
import { csvField, days, effectiveFilters, plan } from '../../functions/audit/domain.js';
import type { AuditQuery } from '../../functions/audit/schemas.js';
import {
  auditDay,
  type ChainedFields,
  canonicalJson,
  chainHash,
  GENESIS_HASH,
  seqKey,
  verifyChain,
} from '../../functions/shared/audit-chain.js';
import type { Principal } from '../../functions/shared/auth.js';

const chain = (n: number) => {
  const out: Record<string, unknown>[] = [];
  let prevHash = GENESIS_HASH;
  for (let seq = 1; seq <= n; seq++) {
    const at = `2027-01-0${seq}T00:00:00.000Z`;
    const fields: ChainedFields = {
      resource: 'grant/gr_1',
      seq,
      at,
      action: `grant.step-${seq}`,
      actor: { userId: 'u', role: 'authority', org: 'O' },
      before: { a: seq, nested: { z: 1, y: [1, 2] } },
      after: null,
      requestId: `r${seq}`,
      prevHash,
    };
    const hash = chainHash(fields);
    out.push({
      ...fields,
      sk: seqKey(seq),
      hash,
      actorOrg: 'O',
      actorUser: 'u',
      actorRole: 'authority',
      day: auditDay(at),
    });
    prevHash = hash;
  }
  return out;
};

describe('the audit hash chain', () => {
  it('hashes canonically: key order and undefined members do not matter', () => {
    expect(canonicalJson({ b: 1, a: { d: undefined, c: [2, { y: 1, x: 0 }] } })).toBe(
      '{"a":{"c":[2,{"x":0,"y":1}]},"b":1}',
    );
  });

  it('verifies an intact chain and reports its head', () => {
    const items = chain(3);
    expect(verifyChain('grant/gr_1', items)).toEqual({
      resource: 'grant/gr_1',
      events: 3,
      ok: true,
      firstBreak: null,
      headHash: items[2]?.hash,
    });
  });

  it('names the first changed, removed or re-linked event', () => {
    const edited = chain(4);
    edited[1] = { ...edited[1], after: { forged: true } };
    const removed = chain(4).filter((e) => e.seq !== 3);
    const relinked = chain(3);
    relinked[2] = { ...relinked[2], prevHash: GENESIS_HASH };

    expect(verifyChain('x', edited).firstBreak).toMatchObject({ seq: 2, reason: 'hash-mismatch' });
    expect(verifyChain('x', removed).firstBreak).toMatchObject({ seq: 4, reason: 'sequence-gap' });
    expect(verifyChain('x', relinked).firstBreak).toMatchObject({ seq: 3, reason: 'previous-hash-mismatch' });
    expect(verifyChain('x', [{ sk: 'legacy' }]).firstBreak).toMatchObject({ reason: 'unchained' });
  });
});

describe('audit queries', () => {
  const now = new Date('2027-03-10T00:00:00Z');
  const q = (o: Partial<AuditQuery>): AuditQuery => ({ limit: 50, ...o });
  const person = (role: Principal['role'], org = 'ORG-A'): Principal => ({
    userId: 'u',
    role,
    roles: [role],
    org,
  });

  it('forces non-supervisors onto their own organisation', () => {
    expect(effectiveFilters(q({}), person('operator'), now)).toMatchObject({ org: 'ORG-A' });
    expect(() => effectiveFilters(q({ org: 'ORG-B' }), person('provider'), now)).toThrow(/own organisation/);
    expect(effectiveFilters(q({ org: 'ORG-B' }), person('regulator'), now)).toMatchObject({ org: 'ORG-B' });
    expect(effectiveFilters(q({}), person('authority'), now).org).toBeUndefined();
  });

  it('defaults to the last 30 days and plans the most selective key', () => {
    const f = effectiveFilters(q({}), person('regulator'), now);
    expect(f).toMatchObject({ from: '2027-02-08T00:00:00.000Z', to: '2027-03-10T00:00:00.000Z' });
    expect(plan(f).kind).toBe('byDay');
    expect(plan({ ...f, org: 'O', user: 'u' }).kind).toBe('byUser');
    expect(plan({ ...f, org: 'O', resource: 'grant/x' }).kind).toBe('resource');
    expect(days('2027-02-27T23:00:00Z', '2027-03-01T01:00:00Z')).toEqual([
      '2027-02-27',
      '2027-02-28',
      '2027-03-01',
    ]);
  });

  it('escapes CSV fields and defuses spreadsheet formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvField(null)).toBe('');
  });
});
