import { randomUUID } from 'node:crypto';
import { ResourceUsed } from '../../events/metering.js';
import type { DomainEvent, EventPublisher } from './deps.js';

/**
 * Meters operators' API calls (Art. 17) without slowing requests: the edge counts calls in memory
 * per operator and month, and hands the counts on as aggregated ResourceUsed events (`api-call`,
 * `call`) at most every `intervalMs` or every `maxCalls` calls, whichever comes first. A request pays
 * a map increment; only the request that finds a flush due awaits one publish.
 *
 * Each flush has its own `usageId` (`api/<function>/<container>/<n>/<org>/<month>`), so a redelivered
 * event is recorded once. A failed publish keeps the counts for the next flush. Known limit: counts of
 * a container that is shut down before its next flush (at most one interval's) are not billed.
 */
export class CallMeter {
  private counts = new Map<string, { org: string; month: string; calls: number; first: string }>();
  private calls = 0;
  private since: number | undefined;
  private seq = 0;
  private readonly container = randomUUID().slice(0, 8);

  constructor(
    private readonly fn: string,
    private readonly opts: { intervalMs: number; maxCalls: number } = { intervalMs: 60_000, maxCalls: 500 },
  ) {}

  /** Counts one call of an operator organisation at `now`. */
  count(org: string, now: Date): void {
    const month = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
    const key = `${org}#${month}`;
    const c = this.counts.get(key);
    if (c) c.calls++;
    else this.counts.set(key, { org, month, calls: 1, first: now.toISOString() });
    this.calls++;
    this.since ??= now.getTime();
  }

  due(now: Date): boolean {
    return (
      this.calls > 0 &&
      (this.calls >= this.opts.maxCalls || now.getTime() - (this.since ?? 0) >= this.opts.intervalMs)
    );
  }

  /** The events of the counts so far, and resets them (call `restore` if publishing them failed). */
  drain(): { events: DomainEvent[]; restore: () => void } {
    const taken = [...this.counts.values()];
    const since = this.since;
    const calls = this.calls;
    this.counts = new Map();
    this.calls = 0;
    this.since = undefined;
    const n = ++this.seq;
    const events = taken.map((c) =>
      ResourceUsed.make({
        usageId: `api/${this.fn}/${this.container}/${n}/${c.org}/${c.month}`,
        operatorOrg: c.org,
        resource: 'api-call',
        unit: 'call',
        quantity: c.calls,
        at: c.first,
        subject: `function/${this.fn}`,
      }),
    );
    const restore = () => {
      for (const c of taken) {
        const key = `${c.org}#${c.month}`;
        const cur = this.counts.get(key);
        if (cur) cur.calls += c.calls;
        else this.counts.set(key, c);
      }
      this.calls += calls;
      this.since = Math.min(this.since ?? Number.POSITIVE_INFINITY, since ?? Date.now());
    };
    return { events, restore };
  }

  /**
   * Hands the counts on when a flush is due. Not through the outbox: these are aggregated meter
   * readings, not state changes, and writing each to DynamoDB is what the meter exists to avoid; a
   * failed publish puts the counts back for the next flush.
   */
  async flushIfDue(now: Date, publisher: EventPublisher, onError: (error: Error) => void): Promise<void> {
    if (!this.due(now)) return;
    const { events, restore } = this.drain();
    try {
      await publisher.publish(events);
    } catch (error) {
      restore();
      onError(error as Error);
    }
  }
}
