import { describe, expect, it } from 'vitest';
import {
  answerOf,
  bindParameters,
  checkHeader,
  checkOutput,
  checkQuestion,
  csvFields,
  DEFAULT_LIMITS,
  decideOutputCheck,
  type Job,
  stopJob,
  verificationSql,
} from '../../functions/processing/domain.js';
import { checkQuery, scopedSql, type TableScope } from '../../functions/processing/sql.js';
import type { Principal } from '../../functions/shared/auth.js';

const scope: TableScope = {
  name: 'ce_0000000000ab',
  items: [
    { name: '区县', personalInformation: false },
    { name: '身份证号', personalInformation: true },
    { name: '金额', personalInformation: false },
    { name: '类别', personalInformation: false },
  ],
  fields: ['区县', '身份证号', '类别'],
  personalInformationAllowed: false,
};
const T = scope.name;
const status = (f: () => unknown) => {
  try {
    f();
    return 200;
  } catch (e) {
    return (e as { status: number }).status;
  }
};

describe('query check (Art. 16)', () => {
  it('accepts an aggregate over the scenario’s fields and finds its COUNT cells', () => {
    const q = checkQuery(
      `SELECT "区县", count(*) AS n, count(DISTINCT "类别") AS k FROM ${T} GROUP BY "区县"`,
      [scope],
    );
    expect(q).toMatchObject({ tables: [T], aggregate: true, countColumns: ['n', 'k'] });
  });
  it.each([
    [`SELECT "金额" FROM ${T}`, 403, 'column outside the fields'],
    [`SELECT "身份证号" AS x FROM ${T}`, 403, 'personal information, even aliased'],
    [`SELECT a."身份证号" FROM ${T} a`, 403, 'personal information, qualified'],
    [`SELECT count(*) AS n FROM ce_0000000000zz`, 403, 'another entry'],
    [`SELECT count(*) AS n FROM main.${T}`, 403, 'a schema-qualified physical table'],
    [`SELECT count(*) AS n FROM ${T} WHERE "区县" IN (SELECT "身份证号" FROM ${T})`, 403, 'PI in a subquery'],
    [`UPDATE ${T} SET "区县" = 'x'`, 400, 'UPDATE'],
    [`SELECT 1 AS a; SELECT 2 AS b`, 400, 'two statements'],
    [`SELECT count(*) FROM ${T}`, 400, 'an unnamed COUNT'],
    [`SELECT current_setting('x') AS s FROM ${T}`, 400, 'a function outside the allowlist'],
    [`SELECT nothing FROM ${T}`, 400, 'an unknown column'],
    ['not sql at all', 400, 'garbage'],
  ])('refuses %s (%s)', (sql, expected) => {
    expect(status(() => checkQuery(sql, [scope]))).toBe(expected);
  });
  it('shadows each table with a CTE exposing only the allowed columns, and merges with a WITH query', () => {
    const sql = scopedSql(
      `WITH t AS (SELECT "区县" FROM ${T}) SELECT count(*) AS n FROM t`,
      [scope],
      () => 'ds.data',
    );
    expect(sql).toBe(
      `WITH "${T}" AS (SELECT c1 AS "区县", c4 AS "类别" FROM ds.data), t AS (SELECT "区县" FROM ${T}) SELECT count(*) AS n FROM t`,
    );
    expect(sql).not.toContain('c2');
  });
});

describe('output checks', () => {
  const limits = { ...DEFAULT_LIMITS, smallCellThreshold: 10, maxOutputRows: 3 };
  it('withholds counts below the threshold (not zero) and asks for a manual check', () => {
    const out = checkOutput(
      {
        columns: ['区县', 'n'],
        rows: [
          ['a', 25],
          ['b', '9'],
          ['c', 0],
        ],
      },
      { aggregate: true, countColumns: ['n'] },
      limits,
    );
    expect(out.rows).toEqual([
      ['a', 25],
      ['b', null],
      ['c', 0],
    ]);
    expect(out.suppressedCells).toBe(1);
    expect(out.reasons).toHaveLength(1);
  });
  it('releases clean aggregates, holds row-level outputs, refuses oversized ones', () => {
    expect(
      checkOutput({ columns: ['n'], rows: [[10]] }, { aggregate: true, countColumns: ['n'] }, limits).reasons,
    ).toEqual([]);
    expect(
      checkOutput({ columns: ['x'], rows: [['a']] }, { aggregate: false, countColumns: [] }, limits)
        .reasons[0],
    ).toContain('Row-level');
    expect(
      status(() =>
        checkOutput(
          { columns: ['n'], rows: [[1], [2], [3], [4]] },
          { aggregate: true, countColumns: [] },
          limits,
        ),
      ),
    ).toBe(409);
  });
});

const job = (patch: Partial<Job> = {}): Job => ({
  id: 'jb_1',
  status: 'output-check',
  operatorOrg: 'OP',
  demandId: 'dd_1',
  grantId: 'gr_1',
  scenarioTitle: 's',
  entitlementIds: ['en_1'],
  tables: [],
  sql: 'x',
  outputKind: 'aggregate',
  purpose: 'p',
  submittedBy: 'u',
  createdAt: '2026-01-01T00:00:00.000Z',
  check: { reasons: ['small'], dueAt: '2026-01-06T00:00:00.000Z' },
  version: 3,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...patch,
});
const authority: Principal = { userId: 'a', role: 'authority', roles: ['authority'], org: 'AUTH' };
const now = new Date('2026-01-02T00:00:00Z');

describe('manual output check and stopping', () => {
  it('the authority approves or rejects with a reason; nobody checks their own output', () => {
    expect(decideOutputCheck(job(), authority, { decision: 'approve' }, now).status).toBe('released');
    expect(status(() => decideOutputCheck(job(), authority, { decision: 'reject' }, now))).toBe(400);
    expect(decideOutputCheck(job(), authority, { decision: 'reject', reason: 'r' }, now).status).toBe(
      'rejected',
    );
    expect(
      status(() => decideOutputCheck(job({ operatorOrg: 'AUTH' }), authority, { decision: 'approve' }, now)),
    ).toBe(403);
    expect(
      status(() => decideOutputCheck(job({ status: 'released' }), authority, { decision: 'approve' }, now)),
    ).toBe(409);
  });
  it('stops queued and running jobs only', () => {
    expect(stopJob(job({ status: 'queued' }), 'suspended', now)?.status).toBe('stopped');
    expect(stopJob(job({ status: 'running' }), 'suspended', now)?.status).toBe('stopped');
    expect(stopJob(job({ status: 'released' }), 'suspended', now)).toBeUndefined();
  });
});

describe('verification questions (one bit)', () => {
  it('needs an equality on a parameter; personal information only in equalities; fields only', () => {
    expect(status(() => checkQuestion([{ column: '区县', op: '=', parameter: 'a' }], scope))).toBe(200);
    expect(status(() => checkQuestion([{ column: '区县', op: '>', parameter: 'a' }], scope))).toBe(400);
    expect(
      status(() =>
        checkQuestion(
          [
            { column: '区县', op: '=', parameter: 'a' },
            { column: '身份证号', op: '<', parameter: 'b' },
          ],
          scope,
        ),
      ),
    ).toBe(400);
    expect(status(() => checkQuestion([{ column: '金额', op: '=', parameter: 'a' }], scope))).toBe(403);
  });
  it('binds values as parameters and answers a strict boolean', () => {
    const v = { entryId: T, predicates: [{ column: '区县', op: '=' as const, parameter: 'd' }] };
    expect(verificationSql(v)).toBe(`SELECT EXISTS (SELECT 1 FROM "${T}" WHERE "区县" = ?) AS answer`);
    expect(bindParameters(v, { d: "x' OR 1=1 --" })).toEqual(["x' OR 1=1 --"]);
    expect(status(() => bindParameters(v, {}))).toBe(400);
    expect(status(() => bindParameters(v, { d: 'x', e: 'y' }))).toBe(400);
    expect(answerOf([[true]])).toBe(true);
    expect(answerOf([[42]])).toBe(false);
  });
});

describe('datasets', () => {
  it('reads a quoted CSV header and requires the entry’s data items in order', () => {
    expect(csvFields('"a,b",c,"d""e"')).toEqual(['a,b', 'c', 'd"e']);
    const cols = [
      { name: '区县', type: 'string', personalInformation: false },
      { name: '金额', type: 'decimal', personalInformation: false },
    ];
    expect(status(() => checkHeader(Buffer.from('\uFEFF区县,金额\n1,2\n'), cols))).toBe(200);
    expect(status(() => checkHeader(Buffer.from('金额,区县\n'), cols))).toBe(400);
    expect(status(() => checkHeader(Buffer.from('区县,金额'), cols))).toBe(400);
  });
});
