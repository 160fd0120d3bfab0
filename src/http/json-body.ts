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

/**
 * The JSON body parser: an empty body with a JSON content type is a request without a body
 * (a bodiless DELETE as many clients send it); bodies nested deeper than MAX_JSON_DEPTH are
 * 400; `__proto__` and `constructor.prototype` keys are refused as Fastify does by default.
 */
export function installJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
      return done(new HttpError('bad_request', `the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    try {
      done(null, secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }));
    } catch (error) {
      const reason =
        error instanceof SyntaxError ? 'is not valid JSON' : 'holds a forbidden __proto__ or constructor key';
      done(new HttpError('bad_request', `the request body ${reason}`), undefined);
    }
  });
}
