import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { EventBus } from '../../events/bus.js';
import { type EventStreamOptions, EventStreams } from '../event-stream.js';

/**
 * `GET /events`: Server-Sent Events from the bus. A `preClose` hook ends every open stream, so
 * `app.close()` never waits on a browser tab.
 */
export function eventRoutes(events: EventBus, options: EventStreamOptions = {}): FastifyPluginAsyncTypebox {
  return async (app) => {
    const streams = new EventStreams(events, options);
    streams.attach(app);
    app.get(
      '/events',
      {
        schema: {
          tags: ['monitor'],
          summary:
            'Server-Sent Events: `violation`, `scan`, `alert` and `ingest` events (data: one JSON object), `: heartbeat` every 15 s',
          produces: ['text/event-stream'],
        },
      },
      (_request, reply) => streams.serve(reply),
    );
  };
}
