import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** Text files worth compressing; images other than SVG are compressed already. */
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;

/**
 * Writes `<file>.br` (brotli, quality 11) and `<file>.gz` (gzip, level 9) beside each text file
 * of the build, so the server sends them as they are (`@fastify/static`'s `preCompressed`)
 * instead of compressing on every request or sending them plain.
 */
export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'lagwatch-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    writeBundle(_options, bundle) {
      const files = [...Object.keys(bundle), 'favicon.svg'];
      for (const name of files) {
        if (!COMPRESSIBLE.test(name)) continue;
        let source: Buffer;
        try {
          source = readFileSync(join(outDir, name));
        } catch {
          continue; // a public file this build does not have
        }
        const br = brotliCompressSync(source, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
          },
        });
        const gz = gzipSync(source, { level: 9 });
        // A compressed copy no smaller than the file is not worth a second request header.
        if (br.length < source.length) writeFileSync(join(outDir, `${name}.br`), br);
        if (gz.length < source.length) writeFileSync(join(outDir, `${name}.gz`), gz);
      }
    },
  };
}
