import { createHash } from 'node:crypto';
import type { Role } from '../system.js';
import type { apiClient } from './demo.js';
import { DEMO_ORGS } from './orgs.js';

type Call = ReturnType<typeof apiClient>;
type Caller = { role: Role; org: string; sub: string };

export const DEMO_DATASET_ROWS = 3000;
const STATUSES = ['正常', '欠缴', '暂停'] as const;

/**
 * Synthetic rows for 社会保险参保登记信息 (单位名称, 参保人数, 缴费状态, 身份证号): made-up units and
 * made-up identifiers (`DEMO…`, not the ID card format), from a fixed seed so every demo is the same.
 */
export const demoInsuranceCsv = (rows = DEMO_DATASET_ROWS): string => {
  let seed = 20260101;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  const lines = ['单位名称,参保人数,缴费状态,身份证号'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `十堰示例企业${String(next() % 150).padStart(3, '0')},${1 + (next() % 500)},${STATUSES[next() % 3]},DEMO${String(i).padStart(10, '0')}`,
    );
  }
  return `${lines.join('\n')}\n`;
};

const waitFor = async <T>(what: string, f: () => Promise<T | undefined>): Promise<T> => {
  for (let i = 0; i < 400; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`demo: ${what} did not happen`);
};

/**
 * Processing demo (Art. 16-18): 市人社局 uploads a synthetic dataset behind its approved entry; the
 * operator with the active grant files a data demand for it (without the personal-information item),
 * the authority and the provider approve it, and the operator runs an aggregate job whose output is
 * released (every cell counts at least 10).
 */
export const seedProcessing = async (call: Call, entryId: string, grantId: string, url: string) => {
  const hrss: Caller = { role: 'provider', org: DEMO_ORGS.hrss.code, sub: 'hrss-data' };
  const authority: Caller = { role: 'authority', org: DEMO_ORGS.authority.code, sub: 'authority-reviewer' };
  const operator: Caller = {
    role: 'operator',
    org: DEMO_ORGS.operatorB.code,
    sub: `${DEMO_ORGS.operatorB.code}-analyst`,
  };

  const body = demoInsuranceCsv();
  const upload = await call('POST', '/datasets/uploads', hrss, {
    entryId,
    bytes: Buffer.byteLength(body),
    sha256: createHash('sha256').update(body).digest('hex'),
  });
  const target = upload.upload as { url: string; headers: Record<string, string> };
  const put = await fetch(target.url.replace(/^http:\/\/[^/]+/, url), {
    method: 'PUT',
    headers: target.headers,
    body,
  });
  if (!put.ok) throw new Error(`demo: dataset upload ${put.status}`);
  await call('POST', `/datasets/uploads/${String(upload.id)}/complete`, hrss, {});

  const demand = await call('POST', '/demands', operator, {
    grantId,
    entries: [entryId],
    scenario: {
      title: '企业参保结构分析',
      description: '分析全市企业社会保险缴费状态结构，辅助稳岗政策',
      implementationPlan: '在平台内按缴费状态汇总，输出统计报告',
      expectedValue: { social: '识别欠缴风险，保障职工权益' },
      dataFields: ['单位名称', '参保人数', '缴费状态'],
      durationMonths: 12,
    },
  });
  const demandId = String(demand.id);
  for (const reviewer of [authority, hrss]) {
    const task = await waitFor('demand review task', async () => {
      const tasks = await call(
        'GET',
        `/tasks?status=pending&subjectId=${demandId}&kind=demand-review`,
        reviewer,
      );
      return (tasks.items as { id: string }[] | undefined)?.[0];
    });
    await call('POST', `/tasks/${task.id}/decision`, reviewer, { decision: 'approve' });
  }
  await waitFor('entitlement', async () => {
    const d = await call('GET', `/demands/${demandId}`, operator);
    return d.status === 'approved' ? d : undefined;
  });
  const job = await call('POST', '/jobs', operator, {
    demandId,
    sql: `SELECT "缴费状态", count(*) AS n, sum(CAST("参保人数" AS INTEGER)) AS insured FROM ${entryId} GROUP BY "缴费状态" ORDER BY "缴费状态"`,
    outputKind: 'aggregate',
    purpose: '企业参保缴费状态结构统计',
  });
  const jobId = String(job.id);
  const done = await waitFor('job', async () => {
    const j = await call('GET', `/jobs/${jobId}`, operator);
    return ['queued', 'running'].includes(String(j.status)) ? undefined : j;
  });
  if (done.status !== 'released') throw new Error(`demo: the job ended ${String(done.status)}`);
  return { dataset: entryId, demand: demandId, job: jobId };
};
