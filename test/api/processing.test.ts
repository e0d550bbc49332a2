import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  approvedEntry,
  as,
  auditOf,
  type Caller,
  type Platform,
  startPlatform,
} from '../support/platform.js';
import { activeGrant, scenario } from './grants-fixtures.js';

// A low per-minute verification limit for this file's platform (read when the function is created).
process.env.VERIFICATION_CALLS_PER_MINUTE = '5';

/** Processing on the platform (Art. 16-18): datasets, checked jobs, output checks, metering, verification. */
let p: Platform;
let licences: string; // the entry with data, entitled to operator A
let other: string; // an approved entry outside the scenario
let grantId: string;
let demandId: string;
let parquetEntry: string; // an entry whose data is uploaded as Parquet, under its own scenario
let parquetDemand: string;

const ITEMS = [
  { name: '企业代码', type: 'string', personalInformation: false, description: '' },
  { name: '许可类别', type: 'string', personalInformation: false, description: '' },
  { name: '区县', type: 'string', personalInformation: false, description: '' },
  { name: '法人身份证号', type: 'string', personalInformation: true, description: '' },
  { name: '注册资本', type: 'decimal', personalInformation: false, description: '' },
];
const DISTRICTS = ['茅箭区', '张湾区', '郧阳区'];

/** 300 synthetic rows: 茅箭区 and 张湾区 large, 郧阳区 only 3 (a small cell). */
const csv = (): string => {
  const lines = [ITEMS.map((i) => i.name).join(',')];
  for (let i = 0; i < 300; i++) {
    const district = i < 3 ? DISTRICTS[2] : DISTRICTS[i % 2];
    lines.push(
      `E${String(i).padStart(5, '0')},${i % 3 === 0 ? 'A' : 'B'},${district},42030019800101${String(i).padStart(4, '0')},${1000 + i}`,
    );
  }
  return `${lines.join('\n')}\n`;
};

const upload = async (
  entryId: string,
  body: string | Buffer,
  owner: Caller = as.police,
  declared?: { sha256?: string; format?: 'csv' | 'parquet' },
) => {
  const sha256 = declared?.sha256 ?? createHash('sha256').update(body).digest('hex');
  const created = await p.post('/datasets/uploads', owner, {
    entryId,
    bytes: Buffer.byteLength(body),
    sha256,
    ...(declared?.format ? { format: declared.format } : {}),
  });
  if (created.status !== 201) return { created, completed: undefined };
  const target = created.body.upload as { url: string; headers: Record<string, string> };
  const put = await fetch(target.url, { method: 'PUT', headers: target.headers, body });
  expect(put.status).toBe(200);
  const completed = await p.post(`/datasets/uploads/${String(created.body.id)}/complete`, owner, {});
  return { created, completed };
};

const taskOf = async (reviewer: Caller, id: string): Promise<string> => {
  const res = await p.get(`/tasks?kind=demand-review&subjectId=${id}&status=pending`, reviewer);
  const task = (res.body.items as { id: string; subject: { id: string } }[]).find((t) => t.subject.id === id);
  if (!task) throw new Error(`no task: ${JSON.stringify(res.body)}`);
  return task.id;
};

const approvedDemand = async (grant: string, entries: string[]) => {
  const filed = await p.post('/demands', as.operatorA, {
    grantId: grant,
    entries,
    scenario: scenario({
      title: '企业许可分析',
      dataFields: ['企业代码', '许可类别', '区县', '法人身份证号'],
    }),
  });
  if (filed.status !== 201) throw new Error(`demand ${filed.status} ${JSON.stringify(filed.body)}`);
  const id = String(filed.body.id);
  await p.rt.settle();
  for (const r of [as.authority, as.police]) {
    const res = await p.post(`/tasks/${await taskOf(r, id)}/decision`, r, { decision: 'approve' });
    if (res.status !== 200) throw new Error(`decision ${res.status}`);
  }
  await p.rt.settle();
  return id;
};

const job = (sql: string, outputKind = 'aggregate') =>
  p.post('/jobs', as.operatorA, { demandId, sql, outputKind, purpose: '许可结构分析' });

const finished = async (id: string) => {
  await p.rt.settle();
  for (let i = 0; i < 100; i++) {
    const res = await p.get(`/jobs/${id}`, as.operatorA);
    if (!['queued', 'running'].includes(String(res.body.status))) return res.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('job did not finish');
};

beforeAll(async () => {
  p = await startPlatform();
  licences = await approvedEntry(p, as.police, { title: '企业许可数据', domain: 'other', dataItems: ITEMS });
  other = await approvedEntry(p, as.police, { title: '其他数据', domain: 'other', dataItems: ITEMS });
  parquetEntry = await approvedEntry(p, as.police, {
    title: '企业许可数据（Parquet）',
    domain: 'other',
    dataItems: ITEMS,
  });
  grantId = (await activeGrant(p, { scope: [licences, other, parquetEntry] })).id;
  demandId = await approvedDemand(grantId, [licences]);
  parquetDemand = await approvedDemand(grantId, [parquetEntry]);
  const { completed } = await upload(licences, csv());
  expect(completed?.status).toBe(201);
  await upload(other, csv());
}, 60_000);
afterAll(() => p.stop());

describe('datasets', () => {
  it('registers an upload for an approved entry as a versioned, checksummed dataset', async () => {
    const versions = await p.get(`/datasets/${licences}`, as.police);
    expect(versions.status).toBe(200);
    const items = versions.body.items as { version: number; sha256: string }[];
    expect(items.map((v) => v.version)).toEqual([1]);
    expect(items[0]?.sha256).toBe(createHash('sha256').update(csv()).digest('hex'));
    expect((await auditOf(p, `dataset/${licences}`)).map((a) => a.action)).toContain('dataset.register');
  });

  it('refuses another provider’s entry, a wrong checksum and a header that does not match the data items', async () => {
    expect((await upload(licences, csv(), as.transport)).created.status).toBe(403);
    const bad = await upload(licences, csv(), as.police, { sha256: 'a'.repeat(64) });
    expect(bad.completed?.status).toBe(400);
    const header = await upload(licences, 'x,y\n1,2\n');
    expect(header.completed?.status).toBe(400);
    expect(JSON.stringify(header.completed?.body)).toContain('header');
  });

  it('refuses an upload URL whose signature was tampered with', async () => {
    const body = csv();
    const created = await p.post('/datasets/uploads', as.police, {
      entryId: licences,
      bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
    });
    // Change the signature's first character to a different one (a fixed replacement would leave a
    // signature that already starts with it untouched).
    const url = String((created.body.upload as { url: string }).url).replace(/sig=(.)/, (_m, c: string) =>
      c === '0' ? 'sig=1' : 'sig=0',
    );
    expect((await fetch(url, { method: 'PUT', body })).status).toBe(403);
  });
});

/** A Parquet file written by DuckDB from `select` (a query over the CSV rows, read as `src`). */
const parquet = async (select: string): Promise<Buffer> => {
  const dir = await mkdtemp(join(tmpdir(), 'shiyan-parquet-'));
  try {
    await writeFile(join(dir, 'src.csv'), csv());
    const db = await DuckDBInstance.create(':memory:');
    const c = await db.connect();
    try {
      await c.run(
        `CREATE VIEW src AS SELECT * FROM read_csv('${join(dir, 'src.csv')}', header = true, all_varchar = true)`,
      );
      await c.run(`COPY (${select}) TO '${join(dir, 'x.parquet')}' (FORMAT parquet)`);
    } finally {
      c.closeSync();
      db.closeSync();
    }
    return await readFile(join(dir, 'x.parquet'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

describe('Parquet datasets', () => {
  it('registers a Parquet upload whose typed columns are the data items, and runs a job over it', async () => {
    // Prepare: the data items in order, typed (注册资本 a decimal).
    const file = await parquet(
      'SELECT "企业代码", "许可类别", "区县", "法人身份证号", CAST("注册资本" AS DECIMAL(18,2)) AS "注册资本" FROM src',
    );
    // Act
    const { created, completed } = await upload(parquetEntry, file, as.police, { format: 'parquet' });
    // Assess: checksummed and versioned like a CSV.
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/data\.parquet$/);
    expect(completed?.status).toBe(201);
    expect(completed?.body).toMatchObject({
      version: 1,
      format: 'parquet',
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    const submitted = await p.post('/jobs', as.operatorA, {
      demandId: parquetDemand,
      sql: `SELECT "许可类别", count(*) AS n FROM ${parquetEntry} WHERE "区县" <> '郧阳区' GROUP BY "许可类别" ORDER BY "许可类别"`,
      outputKind: 'aggregate',
      purpose: '许可结构分析',
    });
    expect(submitted.status).toBe(202);
    const done = await finished(String(submitted.body.id));
    expect(done.status).toBe('released');
    const link = await p.get(`/jobs/${String(done.id)}/output`, as.operatorA);
    const text = await (await fetch(String(link.body.url))).text();
    expect(text.trim().split('\n')).toEqual(['许可类别,n', 'A,99', 'B,198']);
  });

  it('refuses a Parquet file with missing, extra or mistyped columns, each named', async () => {
    const file = await parquet(
      'SELECT "企业代码", CAST(length("许可类别") AS INTEGER) AS "许可类别", "区县", "法人身份证号", \'x\' AS "备注" FROM src',
    );
    const { completed } = await upload(parquetEntry, file, as.police, { format: 'parquet' });
    expect(completed?.status).toBe(400);
    const details = ((completed?.body.error as { details?: unknown } | undefined)?.details ?? []) as {
      path: string;
      message: string;
    }[];
    expect(details.map((d) => d.path).sort()).toEqual([
      'file.schema.备注',
      'file.schema.注册资本',
      'file.schema.许可类别',
    ]);
    expect(details.find((d) => d.path === 'file.schema.许可类别')?.message).toContain('INTEGER');
    // A CSV declared as Parquet is not a readable Parquet file; nothing was registered by either.
    const notParquet = await upload(parquetEntry, csv(), as.police, { format: 'parquet' });
    expect(notParquet.completed?.status).toBe(400);
    const versions = await p.get(`/datasets/${parquetEntry}`, as.police);
    expect((versions.body.items as { version: number }[]).map((v) => v.version)).toEqual([1]);
  });
});

describe('jobs', () => {
  it('runs an aggregate job within its entitlement, suppresses the small cell and holds it for a manual check', async () => {
    const submitted = await job(
      `SELECT "区县", count(*) AS n FROM ${licences} GROUP BY "区县" ORDER BY "区县"`,
    );
    expect(submitted.status).toBe(202);
    const done = await finished(String(submitted.body.id));
    expect(done.status).toBe('output-check');
    expect((done.output as { suppressedCells: number }).suppressedCells).toBe(1);
    expect(JSON.stringify(done.check)).toContain('fewer than 10');
    // Not released yet: no link.
    expect((await p.get(`/jobs/${String(done.id)}/output`, as.operatorA)).status).toBe(403);
    const checks = await p.get('/output-checks', as.authority);
    expect((checks.body.items as { id: string }[]).map((j) => j.id)).toContain(done.id);
    // The authority releases it; the held output has the small cell blank.
    const decided = await p.post(`/jobs/${String(done.id)}/output-check`, as.authority, {
      decision: 'approve',
    });
    expect(decided.body.status).toBe('released');
    const link = await p.get(`/jobs/${String(done.id)}/output`, as.operatorA);
    const text = await (await fetch(String(link.body.url))).text();
    expect(text).toContain('郧阳区,\n');
    expect(text).not.toContain('郧阳区,3');
  });

  it('flags a manual output check past its deadline once, notifies the authority and the operator', async () => {
    // Prepare: a job held for a manual check (a small cell), and the released one of the test above.
    const submitted = await job(
      `SELECT "区县", count(*) AS n FROM ${licences} GROUP BY "区县" ORDER BY "区县"`,
    );
    const held = await finished(String(submitted.body.id));
    expect(held.status).toBe('output-check');
    const id = String(held.id);
    const overdueEvents = () =>
      p.rt.bus
        .events({ detailType: 'OutputCheckOverdue' })
        .filter((e) => (e.detail as { jobId: string }).jobId === id);
    const about = async (c: Caller) =>
      (
        (await p.get('/notifications?limit=100', c)).body.items as {
          subject: { id: string };
          eventType: string;
        }[]
      ).filter((n) => n.subject.id === id && n.eventType === 'OutputCheckOverdue');
    // Not due yet: the sweep leaves it alone.
    const early = await p.rt.scheduler.fire('output-check-deadlines');
    expect(early).toMatchObject({ flagged: 0 });
    try {
      // Act: past the deadline, the sweep runs twice.
      p.rt.clock.set(new Date(Date.parse(String((held.check as { dueAt: string }).dueAt)) + 3_600_000));
      const first = await p.rt.scheduler.fire('output-check-deadlines');
      await p.rt.settle();
      const second = await p.rt.scheduler.fire('output-check-deadlines');
      await p.rt.settle();

      // Assess: flagged once (the released job is not a pending check), visible on the job and in the list.
      expect(first).toMatchObject({ flagged: 1 });
      expect(second).toMatchObject({ flagged: 0 });
      expect(overdueEvents()).toHaveLength(1);
      const after = (await p.get(`/jobs/${id}`, as.operatorA)).body;
      expect(after.status).toBe('output-check');
      const check = after.check as { dueAt: string; overdueAt?: string };
      expect(Date.parse(String(check.overdueAt))).toBeGreaterThan(Date.parse(check.dueAt));
      const checks = (await p.get('/output-checks', as.authority)).body.items as {
        id: string;
        check: { overdueAt?: string };
      }[];
      expect(checks.find((j) => j.id === id)?.check.overdueAt).toBeDefined();
      expect(await about(as.authority)).toHaveLength(1);
      expect(await about(as.operatorA)).toHaveLength(1);
      expect(await about(as.operatorB)).toHaveLength(0);
      expect((await auditOf(p, `job/${id}`)).map((a) => a.action)).toContain('job.output-check-overdue');
      // Still decidable: the authority rejects it late; the sweep finds nothing more.
      const decided = await p.post(`/jobs/${id}/output-check`, as.authority, {
        decision: 'reject',
        reason: '小单元格过多',
      });
      expect(decided.body.status).toBe('rejected');
      expect(await p.rt.scheduler.fire('output-check-deadlines')).toMatchObject({ candidates: 0 });
    } finally {
      p.rt.clock.reset();
    }
  });

  it('releases an aggregate output that passes the checks, with a short-lived link, and meters it', async () => {
    const submitted = await job(
      `SELECT "许可类别", count(*) AS n FROM ${licences} WHERE "区县" <> '郧阳区' GROUP BY "许可类别" ORDER BY "许可类别"`,
    );
    const done = await finished(String(submitted.body.id));
    expect(done.status).toBe('released');
    const link = await p.get(`/jobs/${String(done.id)}/output`, as.operatorA);
    expect(link.status).toBe(200);
    const text = await (await fetch(String(link.body.url))).text();
    expect(text.trim().split('\n')).toEqual(['许可类别,n', 'A,99', 'B,198']);
    // Another operator cannot fetch it.
    expect((await p.get(`/jobs/${String(done.id)}/output`, as.operatorB)).status).toBe(403);
    // Metered: bytes scanned, rows out, run time.
    const usage = p.rt.bus
      .events({ detailType: 'ResourceUsed' })
      .filter((e) => (e.detail as { subject?: string }).subject === `job/${String(done.id)}`);
    expect(usage.map((e) => (e.detail as { unit: string }).unit).sort()).toEqual(['byte', 'ms', 'row']);
    expect(usage.find((e) => (e.detail as { unit: string }).unit === 'row')?.detail).toMatchObject({
      quantity: 2,
      operatorOrg: as.operatorA.org,
    });
    expect((await auditOf(p, `job/${String(done.id)}`)).map((a) => a.action)).toEqual([
      'job.submit',
      'job.start',
      'job.released',
    ]);
  });

  it.each([
    ['another entry', () => `SELECT count(*) AS n FROM ${other}`, 403],
    [
      'a column outside the scenario',
      () => `SELECT "注册资本", count(*) AS n FROM ${licences} GROUP BY "注册资本"`,
      403,
    ],
    [
      'a personal-information column',
      () => `SELECT "法人身份证号", count(*) AS n FROM ${licences} GROUP BY 1`,
      403,
    ],
    ['a non-SELECT statement', () => `DELETE FROM ${licences}`, 400],
    ['a second statement', () => `SELECT count(*) AS n FROM ${licences}; DROP TABLE x`, 400],
    ['a file-reading table function', () => `SELECT count(*) AS n FROM read_csv('/etc/passwd')`, 403],
  ])('refuses a job reading %s before it runs', async (_what, sql, status) => {
    const before = p.rt.bus.events({ detailType: 'JobQueued' }).length;
    const res = await job(sql());
    expect(res.status).toBe(status);
    expect(p.rt.bus.events({ detailType: 'JobQueued' }).length).toBe(before);
  });

  it('refuses a job under another operator’s scenario', async () => {
    const res = await p.post('/jobs', as.operatorB, {
      demandId,
      sql: `SELECT count(*) AS n FROM ${licences}`,
      outputKind: 'aggregate',
      purpose: 'x',
    });
    expect(res.status).toBe(403);
  });

  it('publishes what ran in the public record, without results', async () => {
    const res = await p.get(`/public/processing?operator=${as.operatorA.org}`);
    expect(res.status).toBe(200);
    const items = res.body.items as Record<string, unknown>[];
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items[0]).toHaveProperty('sql');
    expect(items[0]).toHaveProperty('entitlementIds');
    expect(items[0]).not.toHaveProperty('output');
    expect(items[0]).not.toHaveProperty('usage');
  });
});

describe('verification (数据核验)', () => {
  let vf: string;
  it('answers yes or no only', async () => {
    const created = await p.post('/verifications', as.operatorA, {
      demandId,
      entryId: licences,
      title: '企业许可核验',
      question: '该企业是否持有该类许可',
      predicates: [
        { column: '企业代码', op: '=', parameter: 'enterprise' },
        { column: '许可类别', op: '=', parameter: 'kind' },
      ],
    });
    expect(created.status).toBe(201);
    vf = String(created.body.id);
    const consumer = { role: 'consumer', org: as.logistics.org, sub: 'c-1' } as const;
    const yes = await p.post(`/verifications/${vf}/calls`, consumer, {
      parameters: { enterprise: 'E00000', kind: 'A' },
    });
    expect(yes.status).toBe(200);
    expect(yes.body).toEqual({ answer: true });
    const no = await p.post(`/verifications/${vf}/calls`, consumer, {
      parameters: { enterprise: 'E00000', kind: 'B' },
    });
    expect(no.body).toEqual({ answer: false });
    const calls = p.rt.bus
      .events({ detailType: 'ResourceUsed' })
      .filter((e) => (e.detail as { resource: string }).resource === 'verification-call');
    expect(calls.length).toBe(2);
    // The audit keeps a digest of the parameters, never the values.
    const audit = await auditOf(p, `verification/${vf}`);
    expect(JSON.stringify(audit)).not.toContain('E00000');
  });

  it('limits calls per caller organisation and minute (429), and meters only answered calls', async () => {
    const caller = { role: 'consumer', org: as.hospital.org, sub: 'c-2' } as const;
    const metered = () =>
      p.rt.bus
        .events({ detailType: 'ResourceUsed' })
        .filter((e) => (e.detail as { resource: string }).resource === 'verification-call').length;
    const before = metered();
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push(
        (
          await p.post(`/verifications/${vf}/calls`, caller, {
            parameters: { enterprise: 'E00001', kind: 'B' },
          })
        ).status,
      );
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(metered() - before).toBe(5);
  });

  it('refuses questions that could reveal more than one bit', async () => {
    const res = await p.post('/verifications', as.operatorA, {
      demandId,
      entryId: licences,
      title: '范围',
      question: '是否存在',
      predicates: [{ column: '法人身份证号', op: '>', parameter: 'id' }],
    });
    expect(res.status).toBe(400);
  });
});

describe('jobs end with their grant (Art. 14)', () => {
  it('a suspended grant stops a running job (its result is dropped, its usage metered) and refuses new ones', async () => {
    // Prepare: hold the engine so that the job is running when the grant is suspended.
    const local = p.rt.localServices.get('processing');
    if (!local) throw new Error('no local processing services');
    const { engine } = local.services as { engine: { run: (q: unknown) => Promise<unknown> } };
    const run = engine.run.bind(engine);
    let release = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    engine.run = async (q) => {
      await gate;
      return run(q);
    };
    try {
      const submitted = await job(`SELECT "许可类别", count(*) AS n FROM ${licences} GROUP BY "许可类别"`);
      expect(submitted.status).toBe(202);
      const id = String(submitted.body.id);
      await until(async () => (await p.get(`/jobs/${id}`, as.operatorA)).body.status === 'running');
      // Act: the authority suspends the grant (GrantSuspended on the bus).
      const suspended = await p.post(`/grants/${grantId}/suspend`, as.authority, { reason: '评估未通过' });
      expect(suspended.status).toBe(200);
      await until(async () => (await p.get(`/jobs/${id}`, as.operatorA)).body.status === 'stopped');
      release();
      await p.rt.settle();
      // Assess
      const done = (await p.get(`/jobs/${id}`, as.operatorA)).body;
      expect(done.status).toBe('stopped');
      expect(done.output).toBeUndefined();
      expect(done.usage).toBeDefined();
      expect((await job(`SELECT count(*) AS n FROM ${licences}`)).status).toBe(403);
    } finally {
      release();
      engine.run = run;
    }
  });
});

const until = async (ok: () => Promise<boolean>) => {
  for (let i = 0; i < 200; i++) {
    if (await ok()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('condition not reached');
};

describe('the operator bears the resources its jobs consume (Art. 17)', () => {
  it('puts a job’s bytes scanned, rows out and run time on the operator’s monthly platform-cost statement', async () => {
    // Prepare: the jobs above ran this month (released, held for a check, stopped): their usage records
    // are on the bus. Last in the file: the statement closes the month, nothing may be metered after it.
    await p.rt.settle();
    const now = p.rt.clock.now();
    const month = now.toISOString().slice(0, 7);
    const mine = p.rt.bus
      .events({ detailType: 'ResourceUsed' })
      .map((e) => e.detail as { operatorOrg: string; resource: string; unit: string; quantity: number })
      .filter((d) => d.operatorOrg === as.operatorA.org && d.resource === 'job');
    const total = (unit: string) => mine.filter((d) => d.unit === unit).reduce((s, d) => s + d.quantity, 0);
    expect(total('row')).toBeGreaterThanOrEqual(2);
    expect(total('byte')).toBeGreaterThan(0);
    try {
      // Act: the next day, the storage measurement runs for the day the outputs were written — twice
      // (a retried schedule); then, the first of next month, the statement schedule fires (both through
      // the local admin endpoint).
      const tomorrow = new Date(now.getTime() + 86_400_000);
      expect((await p.post('/_local/clock', as.admin, { now: tomorrow.toISOString() })).status).toBe(200);
      const measured = await p.post('/_local/schedules/storage-metering/run', as.admin, {});
      expect(measured.status).toBe(200);
      await p.post('/_local/schedules/storage-metering/run', as.admin, {});
      const storageUses = p.rt.bus
        .events({ detailType: 'ResourceUsed' })
        .map((e) => e.detail as { operatorOrg: string; resource: string; unit: string; quantity: number })
        .filter((d) => d.operatorOrg === as.operatorA.org && d.resource === 'storage');
      expect(storageUses).toHaveLength(2); // published by both runs…
      const gbDays = storageUses[0]!.quantity;
      // …of at least the released output (one day of its bytes, in GB-days)
      expect(gbDays).toBeGreaterThanOrEqual(Buffer.byteLength('许可类别,n\nA,99\nB,198\n') / 1e9);
      const usage = await p.get(`/platform-usage?month=${month}`, as.operatorA);
      // …and recorded once: the meter holds one day, not two.
      expect(
        (usage.body.meters as { resource: string; unit: string; quantity: number }[]).filter(
          (m) => m.resource === 'storage',
        ),
      ).toEqual([expect.objectContaining({ unit: 'gb-day', quantity: gbDays })]);

      const next = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1, 2));
      expect((await p.post('/_local/clock', as.admin, { now: next.toISOString() })).status).toBe(200);
      const fired = await p.post('/_local/schedules/platform-statements/run', as.admin, {});
      expect(fired.status).toBe(200);

      // Assess: one statement for the month, with one line per unit of the job resource.
      const list = await p.get(`/statements?month=${month}`, as.operatorA);
      const items = list.body.items as {
        id: string;
        lines: { resource: string; unit: string; quantity: number; amountFen: number; unrated: boolean }[];
      }[];
      expect(items).toHaveLength(1);
      const lines = items[0]!.lines.filter((l) => l.resource === 'job');
      expect(lines.map((l) => [l.unit, l.quantity])).toEqual([
        ['byte', total('byte')],
        ['ms', total('ms')],
        ['row', total('row')],
      ]);
      // The standard tariff rates run time (5 milli-fen per ms), bytes scanned (3.5 fen per GB) and
      // rows out (1 milli-fen per row); nothing is unrated.
      expect(lines.find((l) => l.unit === 'ms')?.amountFen).toBe(Math.round((total('ms') * 5) / 1000));
      expect(lines.find((l) => l.unit === 'byte')?.amountFen).toBe(
        Math.round((total('byte') * 0.0000035) / 1000),
      );
      expect(lines.find((l) => l.unit === 'row')?.amountFen).toBe(Math.round(total('row') / 1000));
      expect(items[0]!.lines.filter((l) => l.unrated)).toEqual([]);
      // The storage of the day measured, once, at 340 milli-fen per GB-day.
      expect(items[0]!.lines.filter((l) => l.resource === 'storage')).toEqual([
        expect.objectContaining({ unit: 'gb-day', quantity: gbDays, milliFenPerUnit: 340 }),
      ]);
      // Another operator's statement has none of it.
      const b = (await p.get(`/statements?month=${month}`, as.operatorB)).body.items as {
        lines: { resource: string }[];
      }[];
      expect(b.flatMap((s) => s.lines).filter((l) => l.resource === 'job')).toHaveLength(0);
    } finally {
      p.rt.clock.reset();
    }
  });
});
