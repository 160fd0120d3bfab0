import {
  isObject,
  Problems,
  type StandInAnswer,
  type StandInRequest,
  unknownKeys,
  WebhookStandIn,
} from './http-stand-in.js';

/** What a Teams reader sees of one card. */
export interface TeamsReading {
  /** Every TextBlock and fact, markdown escapes removed, links by label. */
  visible: string;
  /** Markdown links `[label](url)` in texts and Action.OpenUrl buttons. */
  links: Array<{ url: string; label: string }>;
  /** Markup that took effect from text: `<at>` tags, emphasis, lists, headings. */
  markup: string[];
}

export interface TeamsAccepted {
  path: string;
  card: {
    body: Array<Record<string, unknown>>;
    actions: Array<{ type: string; title: string; url: string }>;
    version: string;
  };
  reading: TeamsReading;
}

/** Teams refuses a message over about 28 KB. */
export const TEAMS_MAX_BYTES = 28 * 1024;

const hide = (text: string) =>
  text.replace(/\\([!-/:-@[-`{-~])/g, (_m, c: string) => String.fromCharCode(0xe000 + c.charCodeAt(0)));
const unhide = (text: string) => text.replace(/[\ue000-\ue0ff]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xe000));

/** The markdown subset Adaptive Cards render in Teams: links, emphasis, lists; `\` escapes. */
export function readTeamsMarkdown(text: string, into: TeamsReading): string {
  const shown = hide(text).replace(/\[([^\]\n]*)\]\(([^)\s]+)\)/g, (_m, label: string, url: string) => {
    into.links.push({ url: unhide(url), label: unhide(label) });
    return label;
  });
  for (const m of shown.matchAll(
    /<at>|\*\*[^*\s][^*]*\*\*|\*[^*\s][^*]*\*|(?<![\p{L}\p{N}])_[^_\s][^_]*_|^[-+*] |^\d+\. |^#/gmu,
  )) {
    into.markup.push(unhide(m[0]));
  }
  return unhide(shown);
}

const ELEMENT_KEYS: Record<string, readonly string[]> = {
  TextBlock: [
    'type',
    'text',
    'wrap',
    'weight',
    'size',
    'color',
    'spacing',
    'isSubtle',
    'maxLines',
    'id',
    'horizontalAlignment',
    'separator',
  ],
  FactSet: ['type', 'facts', 'id', 'spacing', 'separator'],
};

/** The Adaptive Card as Teams checks it, for the elements lagwatch may send. */
export function checkCard(card: unknown, p: Problems): void {
  if (!isObject(card)) {
    p.check(false, 'content: must be an object');
    return;
  }
  p.check(card.type === 'AdaptiveCard', 'content.type: must be AdaptiveCard');
  p.check(typeof card.version === 'string' && /^1\.[0-5]$/.test(card.version), 'content.version: 1.0 to 1.5');
  p.check(
    unknownKeys(card, ['type', '$schema', 'version', 'body', 'actions', 'msteams']).length === 0,
    'content: unknown keys',
  );
  if (!Array.isArray(card.body) || card.body.length === 0) {
    p.check(false, 'content.body: a non-empty array');
    return;
  }
  card.body.forEach((element: unknown, i) => {
    const at = `body[${i}]`;
    if (!isObject(element) || typeof element.type !== 'string' || !ELEMENT_KEYS[element.type]) {
      p.check(false, `${at}: unknown element`);
      return;
    }
    p.check(unknownKeys(element, ELEMENT_KEYS[element.type]!).length === 0, `${at}: unknown keys`);
    if (element.type === 'TextBlock')
      p.check(typeof element.text === 'string' && element.text !== '', `${at}.text: required`);
    if (element.type === 'FactSet') {
      p.check(
        Array.isArray(element.facts) &&
          element.facts.every((f) => isObject(f) && typeof f.title === 'string' && typeof f.value === 'string'),
        `${at}.facts: title and value strings`,
      );
    }
  });
  const actions = card.actions ?? [];
  if (!Array.isArray(actions)) {
    p.check(false, 'content.actions: an array');
    return;
  }
  actions.forEach((action: unknown, i) => {
    const at = `actions[${i}]`;
    p.check(isObject(action) && action.type === 'Action.OpenUrl', `${at}: only Action.OpenUrl`);
    if (!isObject(action)) return;
    p.check(unknownKeys(action, ['type', 'title', 'url', 'id', 'style']).length === 0, `${at}: unknown keys`);
    p.check(typeof action.title === 'string' && action.title !== '', `${at}.title: required`);
    p.check(typeof action.url === 'string' && /^https?:\/\/\S+$/.test(action.url), `${at}.url: an http(s) URL`);
  });
}

function reading(card: TeamsAccepted['card']): TeamsReading {
  const into: TeamsReading = { visible: '', links: [], markup: [] };
  const parts: string[] = [];
  for (const element of card.body) {
    if (element.type === 'TextBlock') parts.push(readTeamsMarkdown(String(element.text), into));
    if (element.type === 'FactSet') {
      for (const fact of element.facts as Array<{ title: string; value: string }>) {
        parts.push(`${readTeamsMarkdown(fact.title, into)}: ${readTeamsMarkdown(fact.value, into)}`);
      }
    }
  }
  for (const action of card.actions) {
    parts.push(action.title);
    into.links.push({ url: action.url, label: action.title });
  }
  into.visible = parts.join('\n');
  return into;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): StandInAnswer => ({
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

const error = (status: number, code: string, message: string) => json(status, { error: { code, message } });

/**
 * A Teams Workflows webhook ("When a Teams webhook request is received", then "Post card in a
 * chat or channel"): `POST /workflows/<id>/triggers/manual/paths/invoke?api-version=…&sig=<secret>`.
 * Answers 202 Accepted; 401 for a wrong signature; 404 for an unknown workflow; 400 for a body
 * that is not one message with Adaptive Card attachments (the real flow fails such a card in
 * its run); 413 over 28 KB. `answerNext` scripts 429 with Retry-After and 5xx.
 */
export class TeamsStandIn extends WebhookStandIn<TeamsAccepted, { status: number; body: string }> {
  private readonly flows = new Map<string, string>();

  /** A fresh Workflows URL; its `sig` is the secret. */
  webhook(sig = `sig${Math.random().toString(36).slice(2, 14)}`): string {
    const id = `f${this.flows.size + 1}a2b3c4d5e6f708192a3b4c5d6e7f8091`;
    this.flows.set(id, sig);
    return `${this.http.origin}/workflows/${id}/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${sig}`;
  }

  static readonly answers = {
    rateLimited: (seconds: number) => ({
      ...error(429, 'WorkflowRequestsThrottled', 'Number of requests exceeded the limit.'),
      headers: { 'content-type': 'application/json', 'retry-after': String(seconds) },
    }),
    serverError: error(502, 'BadGateway', 'The flow service is unavailable.'),
  };

  protected handle(request: StandInRequest): StandInAnswer {
    const url = new URL(request.path, 'http://stand-in');
    const id = /^\/workflows\/([0-9a-z]+)\/triggers\/manual\/paths\/invoke$/.exec(url.pathname)?.[1];
    if (!id || !this.flows.has(id))
      return this.refuse(error(404, 'WorkflowNotFound', `The workflow '${id}' could not be found.`));
    if (url.searchParams.get('sig') !== this.flows.get(id)) {
      return this.refuse(
        error(401, 'DirectApiInvalidAuthorizationSignature', 'The provided authorization signature is not valid.'),
      );
    }
    if (Buffer.byteLength(request.body) > TEAMS_MAX_BYTES) {
      return this.refuse(error(413, 'MessageSizeTooBig', 'Message size is over the limit of 28 KB.'));
    }
    let message: unknown;
    try {
      message = JSON.parse(request.body);
    } catch {
      return this.refuse(error(400, 'InvalidRequestContent', 'The request content is not valid JSON.'));
    }
    const p = new Problems();
    p.check(String(request.headers['content-type']).startsWith('application/json'), 'content-type: application/json');
    if (!isObject(message)) return this.refuse(error(400, 'InvalidRequestContent', 'not an object'));
    p.check(message.type === 'message', 'type: must be "message"');
    const attachments = message.attachments;
    if (!Array.isArray(attachments) || attachments.length === 0) p.check(false, 'attachments: a non-empty array');
    else {
      attachments.forEach((a: unknown, i) => {
        const adaptive = isObject(a) && a.contentType === 'application/vnd.microsoft.card.adaptive';
        p.check(adaptive, `attachments[${i}].contentType: must be application/vnd.microsoft.card.adaptive`);
        if (adaptive) checkCard(a.content, p);
      });
    }
    if (!p.ok) return this.refuse(error(400, 'InvalidRequestContent', p.list.join('; ')));
    for (const a of attachments as Array<{ content: TeamsAccepted['card'] }>) {
      const card = { ...a.content, actions: a.content.actions ?? [] };
      this.accepted.push({ path: url.pathname, card, reading: reading(card) });
    }
    return { status: 202 };
  }

  private refuse(answer: StandInAnswer): StandInAnswer {
    this.refused.push({ status: answer.status, body: answer.body ?? '' });
    return answer;
  }
}
