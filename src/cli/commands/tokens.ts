import type { Command } from 'commander';
import { CLI_ACTOR } from '../../access/principal.js';
import { tokenExpiry } from '../../access/token-expiry.js';
import { createdTokenOutput, TokenCreate, tokenOutput } from '../../access/token-schemas.js';
import { validated } from '../../validation/problems.js';
import { print, printJson, renderTable } from '../output.js';
import { withContext } from '../run.js';
import { requireCurrentSchema } from '../schema-check.js';

const HEADERS = ['id', 'name', 'scope', 'status', 'created', 'expires', 'last used'];

export function registerTokenCommands(program: Command): void {
  program
    .command('token:create')
    .description(
      'create an API token and print its secret, once (it is stored only as a hash). Scopes: ingest (only the ' +
        'ingestion endpoints), read (every GET but /tokens), write (read plus rules, targets, silences), admin (all)',
    )
    .requiredOption('--name <name>', 'a unique name; the audit log names its changes token:<name>')
    .requiredOption('--scope <scope>', 'admin, write, read or ingest')
    .option('--expires <duration>', 'lifetime such as 90d, 12h or 30m (default: never expires)')
    .option('--json', 'print {id, name, scope, token, created_at, expires_at} as JSON')
    .action((options: { name: string; scope: string; expires?: string; json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const input = validated<TokenCreate>(TokenCreate, {
          name: options.name,
          scope: options.scope,
          ...(options.expires !== undefined ? { expires: options.expires } : {}),
        });
        const expires_at = tokenExpiry(input, Date.now());
        const { token, secret } = await ctx.tokens.create(
          { name: input.name, scope: input.scope, expires_at },
          CLI_ACTOR,
        );
        const created = createdTokenOutput(token, secret);
        if (options.json) printJson(created);
        else {
          print(
            `token ${created.id} "${created.name}" (${created.scope}, ${created.expires_at ? `expires ${created.expires_at}` : 'never expires'}):`,
          );
          print(created.token);
          print('This secret is shown once: store it now. Send it as Authorization: Bearer <token>.');
        }
        return 0;
      }),
    );

  program
    .command('token:list')
    .description('list API tokens (revoked and expired ones too), never their secrets')
    .option('--json', 'print the result as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const now = Date.now();
        const items = (await ctx.tokens.list()).map((token) => tokenOutput(token, now));
        if (options.json) printJson({ items, total: items.length });
        else
          print(
            renderTable(
              HEADERS,
              items.map((t) => [
                t.id,
                t.name,
                t.scope,
                t.status,
                t.created_at,
                t.expires_at ?? 'never',
                t.last_used_at ?? 'never',
              ]),
            ),
          );
        return 0;
      }),
    );

  program
    .command('token:revoke')
    .description('revoke an API token: every lagwatch process refuses it from its next request on')
    .argument('<id-or-name>', "the token's id or name")
    .option('--json', 'print the token as JSON')
    .action((idOrName: string, options: { json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const found = await ctx.tokens.find(idOrName);
        const revoked = tokenOutput(await ctx.tokens.revoke(found.id, CLI_ACTOR), Date.now());
        if (options.json) printJson(revoked);
        else print(`token ${revoked.id} "${revoked.name}" revoked at ${revoked.revoked_at}`);
        return 0;
      }),
    );
}
