import { eventBridgePublisher } from '../shared/aws/event-bridge.js';
import { baseDeps, type Deps } from '../shared/deps.js';
import { dutyHandler } from '../shared/duty.js';
import { awsProcessing } from './aws.js';
import { DEFAULT_LIMITS, type Limits } from './domain.js';
import { processingSchedules } from './jobs.js';
import { processingRoutes } from './routes.js';
import type { ProcessingServices } from './services.js';
import { CHECK_DEADLINES_JOB, flagOverdueChecks, processingEvents } from './workers.js';

/** Limits of the stage, from its environment (unset: the defaults of domain.ts). */
const limitsFromEnv = (): Limits => {
  const n = (name: string, fallback: number) => {
    const v = process.env[name];
    return v && /^\d+$/.test(v) ? Number(v) : fallback;
  };
  return {
    smallCellThreshold: n('SMALL_CELL_THRESHOLD', DEFAULT_LIMITS.smallCellThreshold),
    maxOutputRows: n('MAX_OUTPUT_ROWS', DEFAULT_LIMITS.maxOutputRows),
    maxDatasetBytes: n('MAX_DATASET_BYTES', DEFAULT_LIMITS.maxDatasetBytes),
    outputCheckDays: n('OUTPUT_CHECK_DAYS', DEFAULT_LIMITS.outputCheckDays),
    verificationCallsPerMinute: n('VERIFICATION_CALLS_PER_MINUTE', DEFAULT_LIMITS.verificationCallsPerMinute),
  };
};

/**
 * The processing function. `services` are the storage and the engine: S3 + Athena in Lambda; the
 * local runtime passes the folder storage and DuckDB (the declaration's `localServices`), so DuckDB is
 * never imported by this module nor bundled into the Lambda.
 */
export const createHandler = (deps: Deps & { services?: unknown }) => {
  const services = (deps.services as ProcessingServices | undefined) ?? awsProcessing();
  const limits = limitsFromEnv();
  return dutyHandler(
    'processing',
    {
      routes: processingRoutes(services, limits),
      events: processingEvents(services, limits),
      schedules: {
        // Art. 17: the operators' stored outputs, metered daily.
        ...processingSchedules(services),
        [CHECK_DEADLINES_JOB]: flagOverdueChecks,
      },
    },
    deps,
  );
};
type Handler = ReturnType<typeof createHandler>;
let built: Handler | undefined;
/**
 * Built on the first invocation (still the cold start), not at import: the local runtime imports this
 * module for `createHandler` and has no bucket, Glue database or workgroup to name.
 */
export const handler: Handler = ((event: never, context: never) => {
  built ??= createHandler({ ...baseDeps('processing'), events: eventBridgePublisher() });
  return built(event, context);
}) as Handler;
