#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(built)) {
  process.stderr.write('lagwatch: dist/ is missing; run `npm run build` (npm ci runs it through prepare)\n');
  process.exit(1);
}
await import(built);
