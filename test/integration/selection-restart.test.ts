import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { approvedEntry, as, type Caller, Platform, registerDemoOrganisations } from '../support/platform.js';
import { announcementBody, applicationBody } from '../support/selection.js';

/**
 * The workflow survives a restart of the local runtime (issue 3, "Robustness"): executions are replayed
 * from their start, every finished step answers from what it recorded, and the step that was waiting
 * gets a new token, so a pending review task decided after the restart moves the workflow on.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'selection-restart-'));
const stage = `r${randomUUID().slice(0, 8)}`;
const start = async () => {
  const p = new Platform(
    await startLocalRuntime({ stage, dataDir, dynamoEndpoint: inject('dynamoEndpoint'), logLevel: 'SILENT' }),
  );
  // Idempotent: the second start finds the registry (409s are accepted).
  await registerDemoOrganisations(p);
  return p;
};

let current: Platform | undefined;
afterAll(async () => {
  await current?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

type Task = { id: string; status: string };

const pendingTask = async (p: Platform, who: Caller, applicationId: string, kind: string): Promise<Task> => {
  const res = await p.get<{ items: Task[] }>(
    `/tasks?status=pending&subjectId=${applicationId}&kind=${kind}`,
    who,
  );
  const task = res.body.items?.[0];
  if (!task) throw new Error(`no pending ${kind} task: ${res.status} ${JSON.stringify(res.body)}`);
  return task;
};

const decide = async (p: Platform, who: Caller, task: Task, body: Record<string, unknown>) => {
  const res = await p.post(`/tasks/${task.id}/decision`, who, body);
  await p.rt.settle();
  expect(res.status).toBe(200);
};

const scores = { capability: 80, scenarios: 80, security: 80, compliance: 80 };

describe('a restart in the middle of the selection workflow', () => {
  it('keeps the pending expert tasks decidable and finishes the workflow without duplicating history', async () => {
    // Prepare: an application waiting for two of its three experts.
    let p = await start();
    current = p;
    const entry = await approvedEntry(p, as.transport);
    const an = await p.post(
      '/announcements',
      as.authority,
      announcementBody([entry], p.rt.clock.now(), { title: '重启测试公告' }),
    );
    await p.post(`/announcements/${an.body.id}/publish`, as.authority, {});
    const applied = await p.post('/applications', as.operatorA, {
      announcementId: an.body.id,
      ...applicationBody(as.operatorA),
    });
    const id = String(applied.body.id);
    await p.rt.settle();
    await decide(p, as.authority, await pendingTask(p, as.authority, id, 'qualification-review'), {
      decision: 'approve',
    });
    await decide(p, as.authority, await pendingTask(p, as.authority, id, 'expert-panel'), {
      experts: ['expert-1', 'expert-2', 'expert-3'],
    });
    await decide(p, as.expert(1), await pendingTask(p, as.expert(1), id, 'expert-score'), {
      scores,
      comment: '重启前',
    });
    const before = await pendingTask(p, as.expert(2), id, 'expert-score');

    // Act: stop the runtime and start a new one on the same stage and data folder.
    await p.stop();
    current = undefined;
    p = await start();
    current = p;
    await p.rt.settle();

    // Assess: the same task is still pending and decidable; the workflow continues to the end.
    const after = await pendingTask(p, as.expert(2), id, 'expert-score');
    expect(after.id).toBe(before.id);
    expect(p.rt.workflows.waitingTasks().filter((w) => w.execution === id)).toHaveLength(2);
    await decide(p, as.expert(2), after, { scores, comment: '重启后' });
    await decide(p, as.expert(3), await pendingTask(p, as.expert(3), id, 'expert-score'), {
      scores,
      comment: '重启后',
    });
    await decide(p, as.authority, await pendingTask(p, as.authority, id, 'result-submission'), {
      decision: 'approve',
    });
    await decide(p, as.government, await pendingTask(p, as.government, id, 'government-approval'), {
      decision: 'approve',
    });
    const signing = await p.get(`/applications/${id}`, as.operatorA);
    const grantId = String(signing.body.grantId);
    await p.post(`/grants/${grantId}/sign`, as.authority, {});
    await p.post(`/grants/${grantId}/sign`, as.operatorA, {});
    await p.rt.settle();

    // The authority's view: the applicant's leaves out each expert's entry (Art. 10.3).
    const done = await p.get(`/applications/${id}`, as.authority);
    expect(done.body).toMatchObject({ status: 'approved', grantId, result: { average: 80, experts: 3 } });
    const keys = (done.body.history as { key: string }[]).map((h) => h.key);
    expect(new Set(keys).size).toBe(keys.length);
    expect((done.body.history as { action: string }[]).filter((h) => h.action === 'scored')).toHaveLength(3);
    expect(p.rt.workflows.executions().find((e) => e.name === id)?.status).toBe('SUCCEEDED');
  });
});
