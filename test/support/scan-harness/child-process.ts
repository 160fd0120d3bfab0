import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '../../..');
const TSX = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
export const CRASH_CHILD = join(import.meta.dirname, 'crash-child.ts');

/**
 * When to SIGKILL the child: after its n-th marker line (where a script honouring
 * HARNESS_STOP_AFTER waits to be killed), a delay after its first marker (so
 * that process start-up, which varies with machine load, does not swallow the delay), when a
 * promise of the parent settles (something seen outside the child, e.g. a request in flight), or never.
 */
export type KillPlan = { afterMarker: number } | { afterMs: number } | { when: Promise<unknown> } | 'never';

export interface ChildRun {
  /** `killed` when the plan fired before the child exited on its own. */
  outcome: 'killed' | 'exited';
  code: number | null;
  markers: string[];
  stderr: string;
}

/**
 * Runs a TypeScript script (through tsx) in a child process with only PATH and `env`, reading
 * marker lines from its stdout, and kills it with SIGKILL as the plan says.
 */
export function runScript(
  script: string,
  env: Record<string, string>,
  plan: KillPlan,
  timeoutMs = 60_000,
): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const stopAfter =
      typeof plan === 'object' && 'afterMarker' in plan ? { HARNESS_STOP_AFTER: String(plan.afterMarker) } : {};
    const child = spawn(process.execPath, ['--import', TSX, script], {
      env: { PATH: process.env.PATH ?? '', ...env, ...stopAfter },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const markers: string[] = [];
    let stderr = '';
    let killed = false;
    let pending = '';
    const kill = () => {
      if (killed || child.exitCode !== null) return;
      killed = true;
      child.kill('SIGKILL');
    };
    const timers = [
      setTimeout(() => {
        kill();
        reject(new Error(`child did not finish within ${timeoutMs} ms; markers: ${markers.join(' ')}; ${stderr}`));
      }, timeoutMs),
    ];
    if (typeof plan === 'object' && 'when' in plan) plan.when.then(kill, kill);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (killed) return;
        markers.push(line);
        if (markers.length === 1 && typeof plan === 'object' && 'afterMs' in plan) {
          timers.push(setTimeout(kill, plan.afterMs));
        }
        if (typeof plan === 'object' && 'afterMarker' in plan && markers.length >= plan.afterMarker) kill();
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      for (const timer of timers) clearTimeout(timer);
      resolve({ outcome: killed ? 'killed' : 'exited', code, markers, stderr });
    });
  });
}
