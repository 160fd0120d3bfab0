import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerChannelCommands } from './commands/channels.js';
import { registerDatabaseCommands } from './commands/database.js';
import { registerDiagnoseCommand } from './commands/diagnose.js';
import { registerLogCommands } from './commands/logs.js';
import { registerRuleCommands } from './commands/rules.js';
import { registerRulesFileCommands } from './commands/rules-file.js';
import { registerScanCommands } from './commands/scan.js';
import { registerServiceCommands } from './commands/service.js';
import { registerSilenceCommands } from './commands/silences.js';
import { registerSloCommands } from './commands/slos.js';
import { registerTokenCommands } from './commands/tokens.js';

const program = new Command()
  .name('lagwatch')
  .description(
    'Watches application logs for slow work and sends grouped, rate-limited alerts.\n' +
      'Configuration comes from environment variables and an optional .env file (see .env.example).',
  )
  .version(VERSION)
  .showHelpAfterError('(run `lagwatch --help` for the commands)');

registerServiceCommands(program);
registerDatabaseCommands(program);
registerRuleCommands(program);
registerRulesFileCommands(program);
registerSloCommands(program);
registerScanCommands(program);
registerLogCommands(program);
registerChannelCommands(program);
registerSilenceCommands(program);
registerTokenCommands(program);
registerDiagnoseCommand(program);

await program.parseAsync(process.argv);
