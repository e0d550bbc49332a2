import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocalRuntime } from '../../infra/local/runtime.js';
import { as, catalogEntryBody, Platform, registerDemoOrganisations } from '../support/platform.js';

const dataDir = mkdtempSync(join(tmpdir(), 'platform-restart-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('npm start persistence', () => {
  it('keeps records and accepts earlier tokens after a restart (DynamoDB Local on disk, issuer key on disk)', async () => {
    // Prepare: a runtime with its own DynamoDB Local persisted in dataDir, as `npm start` runs it.
    const first = new Platform(await startLocalRuntime({ dataDir, stage: 'restart', logLevel: 'SILENT' }));
    await registerDemoOrganisations(first);
    const token = await first.rt.token('provider', as.transport.org, as.transport.sub);
    const created = await first.post('/catalog', as.transport, catalogEntryBody({ title: '重启前创建' }));
    await first.stop();

    // Act
    const second = new Platform(await startLocalRuntime({ dataDir, stage: 'restart', logLevel: 'SILENT' }));
    try {
      const res = await fetch(`${second.url}/catalog/${String(created.body.id)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await res.json()) as Record<string, unknown>;

      // Assess
      expect(created.status).toBe(201);
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ status: 'draft', working: { title: '重启前创建' } });
    } finally {
      await second.stop();
    }
    // Two runtimes each starting their own DynamoDB Local: slow on a loaded machine.
  }, 180_000);
});
