import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI 3 document, generated from the route schemas that also validate requests, at
 * `/docs/json`, and swagger-ui at `/docs`. Register before the routes it describes.
 */
export async function installDocs(app: FastifyInstance, version: string, secured: boolean): Promise<void> {
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
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN' } },
      },
      ...(secured ? { security: [{ bearer: [] }] } : {}),
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // swagger-ui sets its own CSP (hashes of its inline code); served over plain HTTP on
    // loopback by default, so never ask browsers to upgrade its requests to HTTPS.
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/g, ''),
    uiConfig: { docExpansion: 'list', deepLinking: false },
  });
}
