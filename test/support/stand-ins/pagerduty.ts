import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listenLocally } from './http-stand-in.js';

/**
 * PagerDuty's Events API v2 on 127.0.0.1: `POST /v2/enqueue`. Validates events as PagerDuty
 * does and answers as it does: 202 `{status: "success", message: "Event processed", dedup_key}`,
 * 400 `{status: "invalid event", message: "Event object is invalid", errors: [...]}` (routing
 * key not 32 characters, unknown event_action, a trigger without summary/source/severity, a
 * severity outside critical|error|warning|info, a summary over 1024 characters, a timestamp
 * that is not ISO 8601, a dedup_key over 255 characters, a resolve without dedup_key), and on
 * request 429 (no Retry-After, as PagerDuty) or 5xx. Keeps incidents by routing key and dedup
 * key: a trigger opens one or folds into the open one, a resolve closes it, a trigger after
 * that opens a new one.
 */

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
const ACTIONS = ['trigger', 'acknowledge', 'resolve'];
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/;

export interface PdEvent {
  routing_key: string;
  event_action: string;
  dedup_key?: string;
  payload?: {
    summary: string;
    source: string;
    severity: string;
    timestamp?: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details?: unknown;
  };
  links?: Array<{ href: string; text?: string }>;
  client?: string;
  client_url?: string;
}

export interface PdIncident {
  number: number;
  routingKey: string;
  dedupKey: string;
  status: 'triggered' | 'resolved';
  /** Triggers folded into it (the first included). */
  triggers: number;
  summary: string;
  severity: string;
  events: PdEvent[];
}

export class PagerDutyStandIn {
  /** Every accepted event, in order. */
  readonly events: PdEvent[] = [];
  /** Every refused event's answer. */
  readonly refusals: Array<{ status: number; body: unknown }> = [];
  readonly incidents: PdIncident[] = [];
  private readonly scripted: Array<{ status: number; body: unknown; headers?: Record<string, string> }> = [];
  private server: Server | undefined;
  origin = '';

  get eventsUrl(): string {
    return `${this.origin}/v2/enqueue`;
  }

  async start(): Promise<void> {
    ({ server: this.server, origin: this.origin } = await listenLocally((req, res) => this.handle(req, res)));
  }

  stop(): Promise<void> {
    return closeServer(this.server);
  }

  /** A fresh integration key (32 characters, as PagerDuty makes them). */
  routingKey(): string {
    return randomBytes(16).toString('hex').replace(/^./, 'R');
  }

  /** The next `times` events are answered 429 as PagerDuty throttles: no Retry-After. */
  throttleNext(times = 1): void {
    for (let i = 0; i < times; i++) {
      this.scripted.push({
        status: 429,
        body: {
          status: 'throttle event',
          message: 'Requests for this service are arriving too quickly. Please retry later.',
        },
      });
    }
  }

  failNext(times: number, status: number, body: unknown = 'Internal Server Error'): void {
    for (let i = 0; i < times; i++) this.scripted.push({ status, body });
  }

  incidentsOf(routingKey: string): PdIncident[] {
    return this.incidents.filter((i) => i.routingKey === routingKey);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const invalid = (errors: string[]) => {
        const body = { status: 'invalid event', message: 'Event object is invalid', errors };
        this.refusals.push({ status: 400, body });
        answer(400, body);
      };
      if (req.method !== 'POST' || new URL(req.url ?? '/', this.origin).pathname !== '/v2/enqueue') {
        return answer(404, { status: 'not found', message: 'Not Found' });
      }
      const scripted = this.scripted.shift();
      if (scripted) {
        this.refusals.push({ status: scripted.status, body: scripted.body });
        return answer(scripted.status, scripted.body, scripted.headers);
      }
      let event: PdEvent;
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        event = parsed as PdEvent;
      } catch {
        return invalid(['Event object is not valid JSON']);
      }
      const errors = eventErrors(event);
      if (errors.length > 0) return invalid(errors);
      const dedupKey = event.dedup_key ?? randomBytes(16).toString('hex');
      this.events.push(event);
      this.apply(event, dedupKey);
      answer(202, { status: 'success', message: 'Event processed', dedup_key: dedupKey });
    });
  }

  private apply(event: PdEvent, dedupKey: string): void {
    const open = this.incidents.find(
      (i) => i.routingKey === event.routing_key && i.dedupKey === dedupKey && i.status === 'triggered',
    );
    if (event.event_action === 'trigger') {
      if (open) {
        open.triggers++;
        open.events.push(event);
        return;
      }
      this.incidents.push({
        number: this.incidents.length + 1,
        routingKey: event.routing_key,
        dedupKey,
        status: 'triggered',
        triggers: 1,
        summary: event.payload!.summary,
        severity: event.payload!.severity,
        events: [event],
      });
    } else if (event.event_action === 'resolve' && open) {
      open.status = 'resolved';
      open.events.push(event);
    }
    // A resolve with no open incident is accepted and does nothing, as PagerDuty does.
  }
}

function eventErrors(event: PdEvent): string[] {
  const errors: string[] = [];
  if (typeof event.routing_key !== 'string') errors.push("'routing_key' is missing or blank");
  else if (event.routing_key.length !== 32)
    errors.push("Length of 'routing_key' is incorrect (should be 32 characters)");
  if (!ACTIONS.includes(event.event_action)) {
    errors.push("'event_action' is invalid (must be one of the following: 'trigger', 'acknowledge' or 'resolve')");
  }
  if (event.dedup_key !== undefined) {
    if (typeof event.dedup_key !== 'string') errors.push("'dedup_key' must be a string");
    else if (event.dedup_key.length > 255) errors.push("Length of 'dedup_key' is too long (maximum is 255 characters)");
  }
  if (event.event_action !== 'trigger') {
    if (ACTIONS.includes(event.event_action) && !event.dedup_key) errors.push("'dedup_key' is missing or blank");
    return errors;
  }
  const p = event.payload;
  if (typeof p !== 'object' || p === null) return [...errors, "'payload' is missing or blank"];
  if (typeof p.summary !== 'string' || p.summary.trim() === '') errors.push("'payload.summary' is missing or blank");
  else if (p.summary.length > 1024) errors.push("Length of 'payload.summary' is too long (maximum is 1024 characters)");
  if (typeof p.source !== 'string' || p.source.trim() === '') errors.push("'payload.source' is missing or blank");
  if (!SEVERITIES.includes(p.severity as (typeof SEVERITIES)[number])) {
    errors.push(
      "'payload.severity' is invalid (must be one of the following: 'critical', 'warning', 'error' or 'info')",
    );
  }
  if (
    p.timestamp !== undefined &&
    (typeof p.timestamp !== 'string' || !ISO_8601.test(p.timestamp) || Number.isNaN(Date.parse(p.timestamp)))
  ) {
    errors.push("'payload.timestamp' is invalid (must be a valid ISO 8601 timestamp)");
  }
  for (const field of ['component', 'group', 'class'] as const) {
    if (p[field] !== undefined && typeof p[field] !== 'string') errors.push(`'payload.${field}' must be a string`);
  }
  if (event.links !== undefined) {
    if (!Array.isArray(event.links)) errors.push("'links' must be an array");
    else if (event.links.some((l) => typeof l?.href !== 'string' || !/^https?:\/\//.test(l.href))) {
      errors.push("'links[].href' must be a URL");
    }
  }
  return errors;
}
