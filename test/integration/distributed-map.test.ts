import { afterEach, describe, expect, it } from 'vitest';
import {
  createLocalStepFunctions,
  type LocalInvoke,
  type LocalStepFunctions,
  validateDefinition,
} from '../../infra/local/step-functions.js';

/** The local runtime runs Distributed Map states the way the evaluation cycle uses them. */
const distributed = (extra: Record<string, unknown> = {}) => ({
  StartAt: 'Fan',
  States: {
    Fan: {
      Type: 'Map',
      ItemsPath: '$.batches',
      ItemSelector: { tag: 'x', 'ids.$': '$$.Map.Item.Value', 'cycle.$': '$.cycle' },
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:states:::lambda:invoke',
            Parameters: { FunctionName: `\${CatalogFunctionArn}`, 'Payload.$': '$' },
            ResultSelector: { 'n.$': '$.Payload.n' },
            End: true,
          },
        },
      },
      ...extra,
      End: true,
    },
  },
});

const engines: LocalStepFunctions[] = [];
afterEach(() => {
  for (const e of engines.splice(0)) e.stop();
});

describe('Distributed Map, locally', () => {
  it('runs one child per item with the selected input, within MaxConcurrency, and counts the children', async () => {
    let running = 0;
    let peak = 0;
    const seen: unknown[] = [];
    const invoke: LocalInvoke = async (_fn, event) => {
      running++;
      peak = Math.max(peak, running);
      seen.push(event);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return { n: (event as { ids: string[] }).ids.length };
    };
    const engine = createLocalStepFunctions({
      invoke,
      machines: { fan: { file: 'fan.asl.json', description: 'fan-out', functions: ['catalog'] } },
      loadDefinition: () => distributed(),
    });
    engines.push(engine);

    await engine.start('fan', 'run-1', {
      cycle: '2027-Q1',
      batches: [['a', 'b'], ['c'], ['d'], ['e', 'f', 'g']],
    });
    await engine.idle();
    const [run] = engine.executions();

    expect(run?.status).toBe('SUCCEEDED');
    expect(run?.output).toEqual([{ n: 2 }, { n: 1 }, { n: 1 }, { n: 3 }]);
    expect(seen).toContainEqual({ tag: 'x', ids: ['c'], cycle: '2027-Q1' });
    expect(peak).toBeLessThanOrEqual(2);
    expect(run?.stats).toMatchObject({ taskInvocations: 4, childExecutions: 4 });
  });

  it('refuses what it cannot run: an S3 ItemReader, an ItemBatcher, no ItemsPath', () => {
    const reader = {
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' } },
    };
    expect(validateDefinition(distributed(reader)).join()).toMatch(/ItemReader.*does not support/);
    expect(validateDefinition(distributed({ ItemBatcher: { MaxItemsPerBatch: 10 } })).join()).toMatch(
      /ItemBatcher/,
    );
    const noPath = distributed();
    delete (noPath.States.Fan as Record<string, unknown>).ItemsPath;
    expect(validateDefinition(noPath).join()).toMatch(/no ItemsPath/);
    expect(validateDefinition(distributed())).toEqual([]);
  });
});
