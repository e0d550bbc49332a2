import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { env } from '../../../infra/system.js';
import { type EventPublisher, publishedDetail } from '../deps.js';

/** Publishes on the platform bus, 10 entries per call (the PutEvents limit); failed entries throw. */
export const eventBridgePublisher = (client = new EventBridgeClient({})): EventPublisher => {
  const busName = process.env[env.eventBus];
  if (!busName) throw new Error(`Missing environment variable ${env.eventBus}`);
  return {
    async publish(events) {
      for (let i = 0; i < events.length; i += 10) {
        const out = await client.send(
          new PutEventsCommand({
            Entries: events.slice(i, i + 10).map((e) => ({
              EventBusName: busName,
              Source: e.source,
              DetailType: e.detailType,
              Detail: JSON.stringify(publishedDetail(e)),
            })),
          }),
        );
        if (out.FailedEntryCount) throw new Error(`${out.FailedEntryCount} events were not published`);
      }
    },
  };
};
