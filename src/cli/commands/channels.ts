import type { Command } from 'commander';
import { maskAddress } from '../../alerts/channels/registry.js';
import { destinationsFor } from '../../alerts/destinations.js';
import type { Destination } from '../../alerts/notification.js';
import { testNotification } from '../../alerts/test-message.js';
import type { AppContext } from '../../app/context.js';
import { scrubSecrets, secretsOf } from '../../config/redact.js';
import type { ChannelType } from '../../rules/types.js';
import { NotFoundError } from '../../validation/problems.js';
import { print, printJson, renderTable } from '../output.js';
import { CommandError, withContext } from '../run.js';
import { requireCurrentSchema } from '../schema-check.js';

interface SendResult {
  channel: ChannelType;
  destination: string;
  ok: boolean;
  error: string | null;
}

async function sendTests(ctx: AppContext, destinations: Destination[]): Promise<SendResult[]> {
  const { createNotifiers } = await import('../../alerts/channels/registry.js');
  const notifiers = createNotifiers(ctx.config, { logger: ctx.logger });
  const notification = testNotification(ctx.config.publicUrl);
  const results: SendResult[] = [];
  for (const destination of destinations) {
    try {
      await notifiers.get(destination.channel)?.send(notification, destination);
      results.push({
        channel: destination.channel,
        destination: maskAddress(destination.channel, destination.address),
        ok: true,
        error: null,
      });
    } catch (error) {
      const message = scrubSecrets(error instanceof Error ? error.message : String(error), secretsOf(ctx.config));
      results.push({
        channel: destination.channel,
        destination: maskAddress(destination.channel, destination.address),
        ok: false,
        error: message,
      });
    }
  }
  return results;
}

function report(results: SendResult[], json: boolean, extra: Record<string, unknown>): number {
  if (json) printJson({ ...extra, results });
  else
    print(
      renderTable(
        ['channel', 'destination', 'result'],
        results.map((r) => [r.channel, r.destination, r.ok ? 'sent' : `FAILED: ${r.error}`]),
      ),
    );
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) throw new CommandError(`${failed.length} of ${results.length} test messages failed`);
  return 0;
}

export function registerChannelCommands(program: Command): void {
  program
    .command('test:telegram')
    .description('check the bot token (getMe) and send a test message to every Telegram target')
    .option('--json', 'print the results as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        if (!ctx.config.telegram.botToken) throw new CommandError('TELEGRAM_BOT_TOKEN is not set');
        const { telegramGetMe } = await import('../../alerts/channels/telegram/notifier.js');
        const me = await telegramGetMe(ctx.config);
        if (!me.ok) throw new CommandError(`the bot token does not work: ${me.error}`);
        if (!options.json) print(`bot: @${me.username}`);
        const types: ChannelType[] = ['telegram_chat', 'telegram_group'];
        const destinations = destinationsFor(types, await ctx.targets.activeOfTypes(types), ctx.config.telegram);
        if (destinations.length === 0) {
          throw new CommandError('no Telegram target: set TELEGRAM_CHAT_ID / TELEGRAM_GROUP_ID or add a target');
        }
        return report(await sendTests(ctx, destinations), options.json === true, { bot: me.username ?? null });
      }),
    );

  program
    .command('test:email')
    .description('check the SMTP connection and send a test message to every email target')
    .option('--json', 'print the results as JSON')
    .action((options: { json?: boolean }) =>
      withContext(async (ctx) => {
        await requireCurrentSchema(ctx);
        const { verifySmtp } = await import('../../alerts/channels/email/notifier.js');
        const smtp = await verifySmtp(ctx.config);
        if (!smtp.ok) throw new CommandError(`SMTP check failed: ${smtp.error}`);
        const destinations = destinationsFor(
          ['email'],
          await ctx.targets.activeOfTypes(['email']),
          ctx.config.telegram,
        );
        if (destinations.length === 0) throw new CommandError('no active email target: add one (POST /targets)');
        return report(await sendTests(ctx, destinations), options.json === true, {
          smtp: `${ctx.config.mail.host}:${ctx.config.mail.port}`,
        });
      }),
    );

  program
    .command('test:channel')
    .argument('<target-id>', 'the id of the alert target (GET /targets)')
    .description(
      'send a test notification (the real message format, sample figures) to one target now, through its channel, and print what the service answered',
    )
    .option('--json', 'print the result as JSON')
    .action((id: string, options: { json?: boolean }) =>
      withContext(async (ctx) => {
        if (!/^[1-9]\d{0,9}$/.test(id)) throw new CommandError(`target id must be a positive integer, not "${id}"`);
        await requireCurrentSchema(ctx);
        const target = await ctx.targets.get(Number(id)).catch((error: unknown) => {
          throw error instanceof NotFoundError ? new CommandError(`no target ${id} (see GET /targets)`) : error;
        });
        const { sendTargetTest } = await import('../../alerts/target-test.js');
        const result = await sendTargetTest(
          {
            channels: ctx.channels,
            notifiers: ctx.channels.createNotifiers(ctx.config, { logger: ctx.logger }),
            publicUrl: ctx.config.publicUrl,
            secrets: secretsOf(ctx.config),
          },
          target,
        );
        const label = ctx.channels.providerOf(target.type)?.label ?? target.type;
        if (options.json) printJson(result);
        else if (result.ok) print(`sent to ${label} ${result.destination} (target ${target.id}): ${result.reply}`);
        if (!result.ok) throw new CommandError(`${label} ${result.destination} (target ${target.id}): ${result.reply}`);
        return 0;
      }),
    );
}
