/**
 * Issue 3 figures for `npm run bench`: the time from an application's submission to its first review
 * task, and what a whole approval run costs locally (state transitions, handler calls, requests).
 */
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { approvedEntry, as, type Caller, Platform, registerDemoOrganisations } from '../support/platform.js';
import { announcementBody, applicationBody } from '../support/selection.js';

type Print = (rows: (string | number)[][]) => void;
type Body = Record<string, unknown>;

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? Number.NaN;
const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);

export const run = async ({
  dynamoEndpoint,
  quick,
  print,
}: {
  dynamoEndpoint: string;
  quick: boolean;
  print: Print;
}) => {
  const runs = quick ? 3 : 10;
  console.log(`\n== Selection workflow (issue 3): ${runs} whole approval runs through the local gateway ==`);
  const p = new Platform(
    await startLocalRuntime({ stage: 'bench-selection', dynamoEndpoint, logLevel: 'ERROR' }),
  );
  await registerDemoOrganisations(p);
  let requests = 0;
  const call = async (method: 'get' | 'post', path: string, who: Caller, body?: Body) => {
    requests++;
    const res = method === 'get' ? await p.get(path, who) : await p.post(path, who, body ?? {});
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const pending = async (who: Caller, appId: string, kind: string) => {
    for (;;) {
      const body = await call('get', `/tasks?status=pending&subjectId=${appId}&kind=${kind}`, who);
      const task = (body.items as { id: string }[])[0];
      if (task) return task.id;
      await new Promise((r) => setImmediate(r));
    }
  };
  try {
    const scope = [await approvedEntry(p, as.transport, { title: '基准公交数据' })];
    const toFirstTask: number[] = [];
    const costs: { transitions: number; tasks: number; handlers: number; requests: number; ms: number }[] =
      [];
    for (let i = 0; i < runs; i++) {
      const now = p.rt.clock.now();
      const announcement = await call(
        'post',
        '/announcements',
        as.authority,
        announcementBody(scope, now, { year: 2026, title: `基准公告 ${i}` }),
      );
      const announcementId = String(announcement.id);
      await call('post', `/announcements/${announcementId}/publish`, as.authority);

      const handlersBefore = sum(p.rt.invocations());
      requests = 0;
      const started = performance.now();
      const app = await call(
        'post',
        '/applications',
        as.operatorA,
        applicationBody(as.operatorA, { announcementId }),
      );
      const appId = String(app.id);
      const decide = async (who: Caller, kind: string, body: Body) => {
        await call('post', `/tasks/${await pending(who, appId, kind)}/decision`, who, body);
      };
      await pending(as.authority, appId, 'qualification-review');
      toFirstTask.push(performance.now() - started);

      await decide(as.authority, 'qualification-review', { decision: 'approve' });
      await decide(as.authority, 'expert-panel', { experts: ['expert-1', 'expert-2', 'expert-3'] });
      const scores = { capability: 85, scenarios: 85, security: 85, compliance: 85 };
      for (const n of [1, 2, 3]) await decide(as.expert(n), 'expert-score', { scores, comment: '同意' });
      await decide(as.authority, 'result-submission', { decision: 'approve' });
      await decide(as.government, 'government-approval', { decision: 'approve' });
      let grantId: unknown;
      while (!grantId) {
        grantId = (await call('get', `/applications/${appId}`, as.operatorA)).grantId;
        if (!grantId) await new Promise((r) => setImmediate(r));
      }
      await call('post', `/grants/${String(grantId)}/sign`, as.authority);
      await call('post', `/grants/${String(grantId)}/sign`, as.operatorA);
      await p.rt.settle();
      const ms = performance.now() - started;
      const execution = p.rt.workflows.executions().find((e) => e.name === appId);
      if (execution?.status !== 'SUCCEEDED') throw new Error(`run ${i} ended ${execution?.status}`);
      costs.push({
        transitions: execution.stats.transitions,
        tasks: execution.stats.taskInvocations,
        handlers: sum(p.rt.invocations()) - handlersBefore,
        requests,
        ms,
      });
    }
    print([
      ['submission → first review task', 'p50 ms', 'p99 ms'],
      ['', percentile(toFirstTask, 50).toFixed(2), percentile(toFirstTask, 99).toFixed(2)],
    ]);
    const c = costs[0]!;
    print([
      [
        'whole approval run',
        'state transitions',
        'task handler calls',
        'all handler calls',
        'HTTP requests',
        'wall ms (p50)',
      ],
      [
        'per run',
        c.transitions,
        c.tasks,
        c.handlers,
        c.requests,
        percentile(
          costs.map((x) => x.ms),
          50,
        ).toFixed(1),
      ],
    ]);
  } finally {
    await p.stop();
  }
};
