import { ResourceUsed } from '../../events/metering.js';
import type { Invocation } from '../shared/duty.js';
import { systemActor, Transaction } from '../shared/store.js';
import type { ProcessingServices } from './services.js';

export const STORAGE_METERING_JOB = 'storage-metering';

/** Where the runner writes an operator's outputs (workers.ts: `outputs/<operator>/<job>/result.csv`). */
export const OUTPUTS_PREFIX = 'outputs/';

const CST_OFFSET_MS = 8 * 3_600_000;
/** The China Standard Time day (`YYYY-MM-DD`) before the one `now` falls in. */
export const dayBefore = (now: Date): string =>
  new Date(now.getTime() + CST_OFFSET_MS - 86_400_000).toISOString().slice(0, 10);

const BYTES_PER_GB = 1_000_000_000;

export interface StorageRun {
  readonly day: string;
  readonly operators: number;
  readonly bytes: number;
}

/**
 * Art. 17 (the operator bears the platform resources it consumes, storage included): once a day,
 * measures what each operator holds in its output area, through the storage interface (S3 listing
 * by operator prefix in AWS, the folder locally), and meters it as one ResourceUsed of `storage` in
 * GB-days for the day before. Idempotent per operator and day: the use id is
 * `storage/<operator>/<day>`, so a rerun or a retried schedule records nothing new (billing keeps the
 * first). Known limit: a measurement, not an integral: what an operator held at the time of the run
 * stands for the whole day.
 */
export const measureStorage =
  (services: ProcessingServices) =>
  async ({ deps, requestId }: Invocation): Promise<StorageRun> => {
    const now = deps.clock.now();
    const day = dayBefore(now);
    // Noon of the day in CST: the statement month is the day's own.
    const at = new Date(Date.parse(`${day}T12:00:00+08:00`)).toISOString();
    let operators = 0;
    let total = 0;
    for (const operatorOrg of await services.storage.children(OUTPUTS_PREFIX)) {
      const bytes = await services.storage.bytesUnder(`${OUTPUTS_PREFIX}${operatorOrg}/`);
      if (bytes === 0) continue;
      operators++;
      total += bytes;
      // Through the outbox like every event: a publish that fails after the commit is relayed.
      await new Transaction(deps, { principal: systemActor(STORAGE_METERING_JOB), requestId, now })
        .publish(
          ResourceUsed.make({
            usageId: `storage/${operatorOrg}/${day}`,
            operatorOrg,
            resource: 'storage',
            unit: 'gb-day',
            quantity: bytes / BYTES_PER_GB,
            at,
            subject: `storage/${OUTPUTS_PREFIX}${operatorOrg}/`,
          }),
        )
        .commit();
    }
    return { day, operators, bytes: total };
  };

export const processingSchedules = (services: ProcessingServices) => ({
  [STORAGE_METERING_JOB]: measureStorage(services),
});
