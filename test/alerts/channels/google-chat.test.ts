import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  GoogleChatNotifier,
  googleChatAddressProblem,
  googleChatProvider,
  REPLY_OPTION,
} from '../../../src/alerts/channels/google-chat/provider.js';
import { neutraliseChatText, renderGoogleChat } from '../../../src/alerts/channels/google-chat/render.js';
import { DeliveryError } from '../../../src/alerts/channels/notifier.js';
import { CHANNELS } from '../../../src/alerts/channels/registry.js';
import type { AlertNotification, Destination } from '../../../src/alerts/notification.js';
import { sendTargetTest } from '../../../src/alerts/target-test.js';
import { loadConfig } from '../../../src/config/load.js';
import { closedPort } from '../../support/ports.js';
import { type ChatMessageRecord, GoogleChatStandIn } from '../../support/stand-ins/google-chat.js';
import { HOSTILE_TEXTS, notification, sample } from '../render/sample-notification.js';
import { everyKind, resolved, selfAlert, sentenceOnly, windowFiring, windowReminder, windowResolved } from './kinds.js';

const chat = new GoogleChatStandIn();
let hook: ReturnType<GoogleChatStandIn['space']>;
const notifier = new GoogleChatNotifier();

beforeAll(() => chat.start());
afterAll(() => chat.stop());
beforeEach(() => {
  hook = chat.space();
});

const to = (url = hook.url): Destination => ({ channel: 'google_chat', address: url, targetId: 4 });

async function send(n: AlertNotification, url = hook.url): Promise<ChatMessageRecord> {
  const receipt = await notifier.send(n, to(url));
  const message = chat.messages.at(-1)!;
  // What the service answered, for test sends: the message and its thread, no key or token.
  expect(receipt).toEqual({ reply: expect.stringMatching(/^200 OK: message spaces\/\w+\/messages\/[\w.]+/) });
  // The thread too, when Chat's echo of the message is short enough to be read whole.
  if (message.bytes < 8_000) expect(receipt.reply).toContain(` in thread ${message.thread}`);
  expect(receipt.reply).not.toContain(hook.token);
  return message;
}

/** The failure of a send; it never names the webhook's key or token. */
async function failure(n: AlertNotification, url = hook.url): Promise<DeliveryError> {
  const error = await notifier.send(n, to(url)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeliveryError);
  const message = (error as DeliveryError).message;
  expect(message).not.toContain(hook.key);
  expect(message).not.toContain(hook.token);
  return error as DeliveryError;
}

const allText = (m: ChatMessageRecord) => [m.text ?? '', ...m.cardText].join('\n');

describe('Google Chat', () => {
  it('posts text and a card with the facts, the slowest samples and link buttons, in the rule’s thread', async () => {
    const m = await send(notification());
    expect(m.space).toBe(hook.space);
    expect(m.threadKey).toBe('lagwatch:message:7');
    expect(m.replyOption).toBe(REPLY_OPTION);
    expect(m.text).toBe('🐢 lagwatch: Slow checkout / POST /orders: 3 violations, worst 2.35 s');
    const card = (m.cardsV2[0] as { card: { header: { title: string; subtitle: string } } }).card;
    expect(card.header).toEqual({ title: 'lagwatch: slow message', subtitle: 'message rule #7' });
    expect(m.cardText).toEqual(
      expect.arrayContaining([
        'checkout',
        'POST /orders',
        '3 violations over the 500 ms threshold',
        '2.35 s · 1.9 s',
        '2026-11-27 10:00:01 – 10:04:59 UTC (4 min 58 s)',
        '• 2.35 s at 10:01:01 req-1 — GET /orders took too long\n• 1.9 s at 10:01:01 req-2 — second',
      ]),
    );
    expect(m.buttons.map(([text]) => text)).toEqual(['Open dashboard', 'Worst trace', 'Mute 1 h']);
    expect(m.buttons[0]![1]).toBe(notification().dashboardUrl);
    expect(m.buttons[1]![1]).toBe('http://127.0.0.1:9501/#/trace/req-1');
    expect(m.buttons[2]![1]).toBe('http://127.0.0.1:9501/#/silences?app=checkout&key=POST+/orders&for=1h');
    // The sample's id links to its trace inside the card text.
    expect(JSON.stringify(m.cardsV2)).toContain('<a href=\\"http://127.0.0.1:9501/#/trace/req-1\\">req-1</a>');
  });

  it('every notification kind is accepted and says what it is about', async () => {
    const expectations: Record<string, string[]> = {
      alert: ['Slow checkout / POST /orders', 'req-1'],
      'alert of an app rule with many samples': ['Slow checkout: 3 violations'],
      resolved: ['✅ lagwatch: Resolved: checkout / POST /orders back under 500 ms after 23 min, 41 violations'],
      'resolved without facts (an old row)': ['✅ lagwatch:'],
      'count window': ['8 violations since the last alert over the 500 ms threshold (5 in the last 10 min)'],
      'window firing': [
        '🐢 lagwatch: checkout-api POST /orders: p95 1,240 ms',
        '2026-12-06 09:59:00 – 10:04:00 UTC (5 min)',
      ],
      'window reminder': ['⏰ lagwatch: checkout-api POST /orders: p95 1,300 ms'],
      'window resolved': ['✅ lagwatch: Resolved: checkout-api POST /orders: p95 back to 640 ms'],
      'self alert': ['🐢 lagwatch: lagwatch cannot watch: every scan has failed since 10:00 UTC (7 min), 7 runs'],
      'self resolved': ['✅ lagwatch: Resolved: lagwatch scans succeed again'],
      'sentence only': ['🐢 lagwatch: the canary probe has not answered for 7 min'],
      'sentence only resolved': ['✅ lagwatch: Resolved: the canary probe answers again'],
    };
    for (const [name, n] of everyKind()) {
      const m = await send(n);
      for (const fragment of expectations[name]!) expect(allText(m), name).toContain(fragment);
      const titles = (m.cardsV2[0] as { card: { header: { title: string } } }).card.header.title;
      expect(titles, name).toMatch(/^lagwatch: (slow (message|app)|resolved|firing|still firing)$/);
      // Resolutions offer no mute; alerts do when their dashboard link is the dashboard's.
      if (n.kind === 'resolved')
        expect(
          m.buttons.map(([t]) => t),
          name,
        ).not.toContain('Mute 1 h');
    }
  });

  it('one thread per rule: alert, reminder and resolution together; another rule or series elsewhere', async () => {
    const alert = await send(notification());
    const done = await send(resolved());
    const other = await send(notification({ ruleId: 8 }));
    expect(done.thread).toBe(alert.thread);
    expect(other.thread).not.toBe(alert.thread);

    const firing = await send(windowFiring());
    const reminder = await send(windowReminder());
    const over = await send(windowResolved());
    const otherSeries = await send(windowFiring({ messageKey: 'GET /cart' }));
    expect(new Set([firing.thread, reminder.thread, over.thread]).size).toBe(1);
    expect(otherSeries.thread).not.toBe(firing.thread);
    expect(firing.thread).not.toBe(alert.thread);

    const selfOn = await send(selfAlert('alert'));
    const selfOff = await send(selfAlert('resolved'));
    expect(selfOff.thread).toBe(selfOn.thread);
    const canaryOn = await send(sentenceOnly('alert'));
    const canaryOff = await send(sentenceOnly('resolved'));
    expect(canaryOff.thread).toBe(canaryOn.thread);
    expect(canaryOn.thread).not.toBe(selfOn.thread);
  });

  it('log text cannot mention anyone, link, format or break the card', async () => {
    const attacks = [
      ...HOSTILE_TEXTS,
      { text: '<users/all> wake up', readable: '<users/all> wake up' },
      { text: 'ping <users/112233445566778899> and <users/all>', readable: 'ping <users/112233445566778899>' },
      {
        text: '<https://evil.example/phish|click here> *bold* _it_ ~s~ `code`',
        readable: '<https://evil.example/phish|click here>',
      },
      { text: '<font color="#ff0000">red</font> <b>bold</b> & <br>', readable: '<font color="#ff0000">red</font>' },
    ];
    for (const { text, readable } of attacks) {
      const n = notification({
        app: text,
        messageKey: text,
        samples: [sample({ correlationId: text, message: text }), sample({ message: text })],
      });
      const m = await send(n);
      expect(m.mentions, text.slice(0, 40)).toEqual([]);
      expect(m.textLinks, text.slice(0, 40)).toEqual([]);
      // The reader still sees the text as the log had it (cut to its slot, controls removed).
      expect(m.cardText.join('\n'), text.slice(0, 40)).toContain(readable.slice(0, 40));
      expect(m.text!.length).toBeLessThanOrEqual(4096);
    }
    // The same in a window kind's and a self-alert's sentence.
    for (const n of [
      windowFiring({ sentence: '<users/all> p95 <b>1 s</b> & more' }),
      selfAlert('alert'),
      { ...selfAlert('alert'), sentence: '<users/all> *scan* stuck' },
    ]) {
      const m = await send(n);
      expect(m.mentions).toEqual([]);
    }
    expect(neutraliseChatText('<users/all> *b*')).toBe('<\u200busers/all> \u200b*b\u200b*');
  });

  it('stays within 4096 characters of text and 32,000 bytes, dropping samples from the end', async () => {
    const huge = '&<>"'.repeat(5_000);
    const n = notification({
      app: 'x'.repeat(50_000),
      messageKey: '😀'.repeat(20_000),
      samples: Array.from({ length: 40 }, (_, i) =>
        sample({
          correlationId: `${'c'.repeat(90)}${i}`,
          message: huge,
          // `&` is five bytes once escaped in the card's link: ten of these cannot all fit.
          traceUrl: `http://127.0.0.1:9501/#/trace/${'&'.repeat(900)}${i}`,
        }),
      ),
    });
    const rendered = renderGoogleChat(n);
    expect(Buffer.byteLength(JSON.stringify(rendered))).toBeLessThanOrEqual(32_000);
    const m = await send(n);
    expect(m.bytes).toBeLessThanOrEqual(32_000);
    expect(m.text!.length).toBeLessThanOrEqual(4096);
    const more = /… and (\d+) more on the dashboard/.exec(m.cardText.join('\n'));
    expect(Number(more?.[1])).toBeGreaterThan(30); // fewer than the ten a message shows at most
    expect(m.cardText.join('\n')).toContain(`${'c'.repeat(90)}0`);
    // An unbounded sentence is cut too.
    const long = await send(windowFiring({ sentence: 'p95 '.repeat(5_000) }));
    expect(long.text!.length).toBeLessThanOrEqual(4096);
  });

  it('RESOURCE_EXHAUSTED and 5xx are retried (Retry-After honoured); bad requests and permissions are not', async () => {
    chat.tooManyRequestsNext();
    const limited = await failure(notification());
    expect(limited.retryable).toBe(true);
    expect(limited.message).toContain('429');
    expect(limited.message).toContain('RESOURCE_EXHAUSTED');

    chat.failNext(1, { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' }, '7');
    const unavailable = await failure(notification());
    expect(unavailable.retryable).toBe(true);
    expect(unavailable.retryAfterMs).toBe(7000);

    chat.failNext(1, { code: 400, status: 'INVALID_ARGUMENT', message: 'Invalid JSON payload received.' });
    const invalid = await failure(notification());
    expect(invalid.retryable).toBe(false);
    expect(invalid.message).toContain('INVALID_ARGUMENT: Invalid JSON payload received.');

    const wrongToken = await failure(notification(), hook.url.replace(hook.token, 'not-the-token-123'));
    expect([wrongToken.retryable, wrongToken.message]).toEqual([
      false,
      expect.stringContaining('403 Forbidden: PERMISSION_DENIED: The caller does not have permission'),
    ]);
    const wrongKey = await failure(notification(), hook.url.replace(hook.key, 'AIzaSyWRONGWRONGWRONG'));
    expect(wrongKey.retryable).toBe(false);
    const gone = await failure(notification(), hook.url.replace(hook.space, 'AAAAdeleted'));
    expect([gone.retryable, gone.message]).toEqual([false, expect.stringContaining('404 Not Found: NOT_FOUND')]);

    const down = await failure(notification(), hook.url.replace(/:\d+\//, `:${await closedPort()}/`));
    expect(down.retryable).toBe(true);
    expect(chat.inSpace(hook.space)).toHaveLength(0);
  });

  it('an error that quotes the URL does not carry its key or token', async () => {
    chat.failNext(1, {
      code: 400,
      status: 'INVALID_ARGUMENT',
      message: `Bad request to ${hook.url} (token ${hook.token})`,
    });
    const error = await failure(notification());
    expect(error.message).toContain('INVALID_ARGUMENT');
  });

  it('the stand-in refuses what Google Chat refuses', async () => {
    const post = async (body: unknown, query = '') => {
      const response = await fetch(`${hook.url}${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, error: ((await response.json()) as { error?: { message: string } }).error };
    };
    const card = (text: string) => ({
      cardsV2: [{ cardId: 'c', card: { sections: [{ widgets: [{ textParagraph: { text } }] }] } }],
    });
    expect((await post({ text: 'hello' })).status).toBe(200);
    expect((await post(card('<b>ok</b> &amp; fine<br>'))).status).toBe(200);
    for (const [body, query, problem] of [
      ['{not json', '', /Invalid JSON/],
      [{ text: '' }, '', /empty/],
      [{ text: 'x'.repeat(4097) }, '', /4096/],
      [{ text: 'x'.repeat(4000), padding: 'p'.repeat(30_000) }, '', /32000 bytes/],
      [{ text: 'hi' }, '&messageReplyOption=REPLY_SOMEHOW', /message_reply_option/],
      [card('a < b'), '', /allowed tag/],
      [card('a & b'), '', /bare "&"/],
      [card('<script>x</script>'), '', /allowed tag/],
      [card('<b>open'), '', /not closed/],
      [{ cardsV2: [{ cardId: 'c', card: { sections: [{ widgets: [{ carousel: {} }] }] } }] }, '', /Unknown name/],
    ] as const) {
      const answer = await post(body, query);
      expect(answer.status).toBe(400);
      expect(answer.error!.message).toMatch(problem);
    }
    // REPLY_MESSAGE_OR_FAIL to a thread that does not exist is refused.
    expect((await post({ text: 'x' }, '&threadKey=none&messageReplyOption=REPLY_MESSAGE_OR_FAIL')).status).toBe(404);
    expect(chat.inSpace(hook.space)).toHaveLength(2);
  });

  it('addresses: any http(s) URL without credentials; Google’s own must be a space webhook with key and token', () => {
    const real =
      'https://chat.googleapis.com/v1/spaces/AAAAxyz/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=abcDEF123';
    expect(googleChatAddressProblem(real)).toBeUndefined();
    expect(googleChatAddressProblem(hook.url)).toBeUndefined();
    expect(googleChatAddressProblem('https://chat.googleapis.com/v1/spaces/AAAAxyz/messages?key=k')).toMatch(
      /key and token parameters are missing/,
    );
    expect(googleChatAddressProblem('https://chat.googleapis.com/v1/spaces/AAAAxyz?key=k&token=t')).toMatch(/path/);
    expect(googleChatAddressProblem('https://user:pw@example.com/hook')).toMatch(/credentials/);
    expect(googleChatAddressProblem('ftp://example.com/hook')).toMatch(/^must be a Google Chat space webhook URL/);
    expect(googleChatAddressProblem('not a url')).toMatch(/^must be/);

    const masked = googleChatProvider.maskAddress(real);
    expect(masked).not.toContain('AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI');
    expect(masked).not.toContain('abcDEF123');
    expect(masked).toBe('https://chat.googleapis.com/***');
    expect(googleChatProvider.secretAddress).toBe(true);
  });

  it('previews read as the message does, without markup', () => {
    const preview = googleChatProvider.preview(notification({ app: 'a <b>&amp;' }));
    expect(preview.subject).toBeNull();
    expect(preview.text).toContain('🐢 lagwatch: Slow a <b>&amp; / POST /orders');
    expect(preview.text).toContain('App: a <b>&amp;');
    expect(preview.text).toContain(
      '[Mute 1 h] http://127.0.0.1:9501/#/silences?app=a+%3Cb%3E%26amp%3B&key=POST+/orders&for=1h',
    );
  });
});

describe('Google Chat through the registry', () => {
  it('a test send (POST /targets/{id}/test) posts the test message and says what Chat answered, URL masked', async () => {
    const config = loadConfig({}, undefined);
    const result = await sendTargetTest(
      { channels: CHANNELS, notifiers: CHANNELS.createNotifiers(config), publicUrl: config.publicUrl, secrets: [] },
      { id: 8, type: 'google_chat', external_id: hook.url },
    );
    expect(result).toEqual({
      ok: true,
      channel: 'google_chat',
      target_id: 8,
      destination: `${chat.origin}/***`,
      reply: expect.stringMatching(/^200 OK: message spaces\/\w+\/messages\/\S+ in thread spaces\//),
      retryable: null,
    });
    for (const secret of [hook.key, hook.token]) expect(JSON.stringify(result)).not.toContain(secret);
    expect(chat.inSpace(hook.space)).toHaveLength(1);
  });
});
