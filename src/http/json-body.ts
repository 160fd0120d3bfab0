import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { HttpError } from './envelope.js';

/** Deeper JSON is refused before it is parsed or validated (recursion would overflow the stack). */
export const MAX_JSON_DEPTH = 64;

/** How deep the arrays and objects of a JSON text nest, counted without parsing; stops past `limit`. */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** Decodes strictly: a byte sequence that is not UTF-8 fails instead of becoming U+FFFD. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

const STRICT = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * Why secure-json-parse refused a text (it throws SyntaxError for both bad JSON and a forbidden
 * key): undefined when the text is not JSON, else the key. Runs only for refused bodies.
 */
function forbiddenKeyIn(text: string): string | undefined {
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  try {
    secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'ignore' });
  } catch {
    return '__proto__';
  }
  return 'constructor.prototype';
}

/**
 * The JSON body parser: an empty body with a JSON content type is a request without a body
 * (a bodiless DELETE as many clients send it); a body that is not UTF-8 is 400 (not read with
 * U+FFFD in place of its bad bytes); bodies nested deeper than MAX_JSON_DEPTH are 400;
 * `__proto__` and `constructor.prototype` keys are refused, as Fastify does by default, naming the key.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new HttpError('bad_request', 'the request body is not valid UTF-8'), undefined);
    }
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      return done(new HttpError('bad_request', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, STRICT);
    } catch {
      const key = forbiddenKeyIn(text);
      if (key === undefined) return done(new HttpError('bad_request', 'the request body is not valid JSON'), undefined);
      const message = `the request body holds a ${key} key, which is refused (it could change prototypes)`;
      return done(new HttpError('bad_request', message, [{ field: key, message: 'is not allowed' }]), undefined);
    }
    done(null, parsed);
  });
}
