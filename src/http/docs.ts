import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { registerWithAccess } from './auth.js';

/**
 * The OpenAPI 3 document, generated from the route schemas that also validate requests, at
 * `/docs/json`, and swagger-ui at `/docs`. Register before the routes it describes.
 */
export async function installDocs(app: FastifyInstance, version: string): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'lagwatch API',
        version,
        description:
          'Rules, alert targets, the alert log and operations endpoints of lagwatch. Every answer is an envelope: ' +
          '{"status":"success","data":...} or {"status":"error","error":{"code","message","details":[{field,message}]}}.',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'API_TOKEN or a token from POST /tokens; needed once API_TOKEN is set or any token is active',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  });
  await registerWithAccess(app, { read: 'read', write: 'admin' }, async (scope) => {
    await scope.register(swaggerUi, {
      routePrefix: '/docs',
      // swagger-ui sends its own CSP (hashes of its inline scripts); adjusted for lagwatch.
      staticCSP: true,
      transformStaticCSP: swaggerUiCsp,
      // No validator badge: it would send the document to validator.swagger.io.
      uiConfig: { docExpansion: 'list', deepLinking: false, validatorUrl: null },
    });
  });
}

/**
 * swagger-ui's CSP made to fit: its scripts set inline styles ('unsafe-inline' for styles only),
 * nothing is loaded from other hosts, and no upgrade to HTTPS (served over plain HTTP on
 * loopback by default).
 */
export function swaggerUiCsp(header: string): string {
  const directives = new Map<string, string>();
  for (const part of header.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) directives.set(name, values.join(' '));
  }
  directives.delete('upgrade-insecure-requests');
  directives.set('style-src', "'self' 'unsafe-inline'");
  directives.set('img-src', "'self' data:");
  directives.set('font-src', "'self' data:");
  directives.set('frame-ancestors', "'none'");
  return [...directives].map(([name, values]) => (values ? `${name} ${values}` : name)).join('; ');
}
