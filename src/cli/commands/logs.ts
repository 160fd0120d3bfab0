import type { Command } from 'commander';
import type { EmbeddedLogStore } from '../../logs/embedded/embedded-log-store.js';
import type { ImportSummary } from '../../logs/ndjson/import-files.js';
import { print, printJson, renderTable } from '../output.js';
import { formatCount, ProgressLine } from '../progress.js';
import { CommandError, commandLogger, configOrExit, reportFailure } from '../run.js';

const SHOWN_ERRORS = 10;

export function registerLogCommands(program: Command): void {
  program
    .command('logs:import')
    .description(
      'import NDJSON log files (.gz too; - for stdin) into the embedded log store; run again on a file after an interruption, it stores each line once',
    )
    .argument('<file...>', 'NDJSON files, gzip-compressed or not; - reads standard input')
    .option('--json', 'print the summary as JSON')
    .action(async (files: string[], options: { json?: boolean }) => {
      const config = configOrExit();
      const logger = commandLogger(config);
      if (config.logSource !== 'embedded') {
        logger.warn(`LOG_SOURCE=${config.logSource}: importing into the embedded store ${config.embedded.path} anyway`);
      }
      const { EmbeddedLogStore } = await import('../../logs/embedded/embedded-log-store.js');
      const { ImportError, importFiles } = await import('../../logs/ndjson/import-files.js');
      const progress = new ProgressLine();
      let store: EmbeddedLogStore | undefined;
      try {
        store = EmbeddedLogStore.open(config, logger);
        const summary = await importFiles(store, files, {
          onProgress: (p) => {
            const percent = p.totalBytes ? ` ${((p.bytesRead / p.totalBytes) * 100).toFixed(0)}%` : '';
            progress.update(
              `importing ${p.file}:${percent} ${formatCount(p.linesRead)} lines, ${formatCount(p.accepted)} accepted, ${formatCount(p.rejected)} rejected, ${formatCount(Math.round(p.linesPerSecond))} lines/s`,
            );
          },
        });
        progress.done();
        printSummary(summary, options.json === true);
      } catch (error) {
        progress.done();
        if (error instanceof ImportError) printSummary(error.partial, options.json === true);
        reportFailure(error, config);
        process.exitCode = 1;
      } finally {
        await store?.close();
      }
    });

  program
    .command('check:elasticsearch')
    .description('check the Elasticsearch/OpenSearch connection, indices and field mapping')
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const config = configOrExit();
      if (config.elasticsearch.hosts.length === 0) {
        reportFailure(new CommandError('ELASTICSEARCH_HOST is not set'), config);
        process.exitCode = 1;
        return;
      }
      const { checkElasticsearch } = await import('../../logs/elasticsearch/index.js');
      const report = await checkElasticsearch(config, commandLogger(config));
      if (options.json) printJson(report);
      else {
        print(`server: ${report.distribution ?? 'unreachable'} ${report.version ?? ''}`.trimEnd());
        print(`cluster health: ${report.clusterHealth ?? 'unknown'}`);
        for (const note of report.notes) print(`note: ${note}`);
        print('\nIndices');
        print(
          renderTable(
            ['index', 'documents'],
            report.indices.map((i) => [i.name, formatCount(i.docs)]),
          ),
        );
        print('\nFields');
        print(
          renderTable(
            ['field', 'type', 'ok', 'note'],
            report.fieldCheck.map((f) => [f.field, f.type, f.ok ? 'yes' : 'NO', f.message]),
          ),
        );
      }
      if (!report.ok) {
        process.stderr.write(`lagwatch: ${report.problems[0] ?? 'Elasticsearch check failed'}\n`);
        process.exitCode = 1;
      }
    });
}

function printSummary(summary: ImportSummary, json: boolean): void {
  if (json) {
    printJson(summary);
    return;
  }
  print(
    `read ${formatCount(summary.linesRead)} lines: ${formatCount(summary.accepted)} accepted, ${formatCount(summary.rejected)} rejected` +
      ` (${formatCount(Math.round(summary.linesPerSecond))} lines/s)`,
  );
  if (summary.skipped > 0) {
    print(`  ${formatCount(summary.skipped)} lines skipped: an earlier run of the same file had stored them`);
  }
  const multiple = summary.files.length > 1;
  for (const error of summary.errors.slice(0, SHOWN_ERRORS)) {
    print(`  ${multiple && error.file ? `${error.file}:` : 'line '}${error.line}: ${error.reason}`);
  }
  if (summary.rejected > SHOWN_ERRORS)
    print(`  … and ${formatCount(summary.rejected - SHOWN_ERRORS)} more rejected lines`);
}
