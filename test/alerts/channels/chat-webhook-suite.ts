import { afterAll, beforeAll, expect, it } from 'vitest';
import { DeliveryError, type DeliveryReceipt, type Notifier } from '../../../src/alerts/channels/notifier.js';
import type { ChannelProvider } from '../../../src/alerts/channels/provider.js';
import type { AlertNotification } from '../../../src/alerts/notification.js';
import { HOSTILE_TEXTS } from '../render/sample-notification.js';
import { context, destination, hostile, KIND_CASES, PINGS } from './chat-kinds.js';

/** What the Slack, Teams and Discord stand-ins have in common. */
export interface ChatWebhookStandIn<Accepted extends { path: string }> {
  readonly accepted: Accepted[];
  start(): Promise<unknown>;
  stop(): Promise<void>;
  /** A fresh webhook URL the stand-in accepts. */
  webhook(): string;
}

/**
 * Starts the stand-in and the provider's notifier for the calling test file (stopped after it).
 * `send` posts to a webhook URL; `deliver` sends to a fresh one and returns what the service accepted.
 */
export function chatWebhookSuite<Accepted extends { path: string }>(
  provider: ChannelProvider,
  standIn: ChatWebhookStandIn<Accepted>,
) {
  let notifier: Notifier;
  beforeAll(async () => {
    await standIn.start();
    notifier = provider.createNotifier(context());
  });
  afterAll(() => standIn.stop());

  const send = (n: AlertNotification, hook: string): Promise<DeliveryReceipt> =>
    notifier.send(n, destination(provider.type, hook));
  const deliver = async (n: AlertNotification): Promise<Accepted> => {
    const hook = standIn.webhook();
    await send(n, hook);
    const accepted = standIn.accepted.at(-1)!;
    expect(new URL(hook).pathname).toBe(accepted.path);
    return accepted;
  };
  return { send, deliver };
}

/** The DeliveryError a send fails with; its message must not carry `secret`. */
export async function deliveryFailure(send: Promise<unknown>, secret: string): Promise<DeliveryError> {
  const error = await send.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  expect((error as Error).message).not.toContain(secret);
  return error as DeliveryError;
}

/** What every chat stand-in reads of an accepted message. */
export interface ChatReading {
  visible: string;
  links: Array<{ url: string; label: string }>;
}

export interface ReaderCasesOptions<Accepted extends { reading: ChatReading }> {
  /** The end of the first test's name: "as Block Kit Slack accepts". */
  accepts: string;
  /** The service's own form of an accepted message. */
  wellFormed(accepted: Accepted): void;
  /** Nothing took effect as markup: no mention, ping, emphasis. */
  inert(reading: Accepted['reading']): void;
  /** The visible text as compared with the log text (default: as it is). */
  shown?(visible: string): string;
}

/**
 * The reader's side every chat channel must get right, as tests of the calling `describe`:
 * each kind's words and links, the mute link, and log text that reads as written and never
 * mentions, pings or links.
 */
export function readerCases<Accepted extends { reading: ChatReading }>(
  deliver: (n: AlertNotification) => Promise<Accepted>,
  options: ReaderCasesOptions<Accepted>,
): void {
  const shown = options.shown ?? ((visible: string) => visible);

  it.each(KIND_CASES)(`delivers a $name ${options.accepts}`, async ({ n, says, mute, traces }) => {
    const accepted = await deliver(n);
    const { reading } = accepted;
    for (const words of says) expect(reading.visible).toContain(words);
    options.wellFormed(accepted);
    const urls = reading.links.map((l) => l.url);
    expect(urls).toContain(n.dashboardUrl);
    expect(urls.some((u) => u.includes('#/silences?'))).toBe(mute);
    expect(urls.some((u) => u.includes('#/trace/'))).toBe(traces);
    options.inert(reading);
  });

  it('the mute button opens the silence form for the app and key', async () => {
    const { reading } = await deliver(KIND_CASES[0]!.n);
    expect(reading.links.find((l) => l.label === 'Mute 1 h')?.url).toBe(
      'http://127.0.0.1:9501/#/silences?app=checkout&key=POST+/orders&for=1h',
    );
  });

  it.each(PINGS)('log text never mentions anyone nor adds a link: %s', async (text) => {
    const { reading } = await deliver(hostile(text));
    options.inert(reading);
    for (const link of reading.links) expect(link.url.startsWith('http://127.0.0.1:9501/')).toBe(true);
    expect(shown(reading.visible)).toContain(`msg ${text}`);
  });

  it.each(HOSTILE_TEXTS.map((h) => [h.readable.slice(0, 30), h] as const))(
    'hostile log text reads as written: %s',
    async (_name, { text, readable }) => {
      const { reading } = await deliver(hostile(text));
      expect(shown(reading.visible)).toContain(readable);
      options.inert(reading);
    },
  );
}
