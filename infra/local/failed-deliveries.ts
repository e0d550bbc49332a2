import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FunctionName } from '../system.js';

/**
 * The local stand-in for the dead-letter queues: a bus delivery or a schedule run that still failed
 * after its retries is kept here (and in `DATA_DIR`, so a restart keeps it) until it is redriven.
 * In AWS the same work lands in the `<stage>-dlq-*` queues and `npm run redrive` puts it back.
 */
export interface FailedDelivery {
  readonly id: string;
  /** `rule`: an event rule's delivery; `schedule`: a schedule's invocation. */
  readonly kind: 'rule' | 'schedule';
  /** The rule or schedule name. */
  readonly name: string;
  readonly function: FunctionName;
  /** The payload the function was invoked with (the bus event, or `{ schedule }`). */
  readonly payload: unknown;
  readonly attempts: number;
  readonly error: string;
  readonly failedAt: string;
}

export const createFailedDeliveryStore = (opts: { dataDir?: string; now: () => Date }) => {
  const file = opts.dataDir ? join(opts.dataDir, 'failed-deliveries.json') : undefined;
  let items: FailedDelivery[] =
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as FailedDelivery[]) : [];
  const save = () => {
    if (!file || !opts.dataDir) return;
    mkdirSync(opts.dataDir, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(items, null, 2));
    renameSync(`${file}.tmp`, file);
  };
  return {
    add(d: Omit<FailedDelivery, 'id' | 'failedAt'>): FailedDelivery {
      const item = { ...d, id: randomUUID(), failedAt: opts.now().toISOString() };
      items.push(item);
      save();
      return item;
    },
    list: (): readonly FailedDelivery[] => [...items],
    /**
     * Delivers the kept items again (all, or those with the given ids), one at a time; an item leaves
     * the store only when its delivery succeeded, otherwise it stays with the new error.
     */
    async redrive(
      deliver: (d: FailedDelivery) => Promise<void>,
      ids?: readonly string[],
    ): Promise<{ redriven: string[]; failed: string[] }> {
      const chosen = items.filter((d) => !ids || ids.includes(d.id));
      const redriven: string[] = [];
      const failed: string[] = [];
      for (const d of chosen) {
        try {
          await deliver(d);
          items = items.filter((x) => x.id !== d.id);
          redriven.push(d.id);
        } catch (e) {
          items = items.map((x) =>
            x.id === d.id ? { ...x, attempts: x.attempts + 1, error: (e as Error).message } : x,
          );
          failed.push(d.id);
        }
        save();
      }
      return { redriven, failed };
    },
  };
};
export type FailedDeliveryStore = ReturnType<typeof createFailedDeliveryStore>;
