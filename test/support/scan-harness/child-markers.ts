/**
 * What every crash-harness child shares: `mark()` prints a marker line and, at the
 * HARNESS_STOP_AFTER-th, freezes until the parent kills it; `now()` is the clock moved forward
 * by HARNESS_CLOCK_OFFSET_MS (see crash-child.ts); `deliverAll()` runs the outbox until empty.
 */
import { setTimeout as sleep } from 'node:timers/promises';

const stopAfter = Number(process.env.HARNESS_STOP_AFTER ?? 0);
let marks = 0;

export const mark = (marker: string): void => {
  process.stdout.write(`${marker}\n`);
  if (++marks === stopAfter) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
};

const offset = Number(process.env.HARNESS_CLOCK_OFFSET_MS ?? 0);
export const now = (): number => Date.now() + offset;

/** Delivers until nothing is pending, then marks `done`; exits 3 when alerts stay pending. */
export async function deliverAll(
  outbox: { pendingCount(): Promise<number>; deliverDue(): Promise<unknown> },
  maxRounds: number,
): Promise<void> {
  for (let round = 0; (await outbox.pendingCount()) > 0; round++) {
    if (round > maxRounds) {
      process.stderr.write(`alerts still pending after ${maxRounds} rounds\n`);
      process.exit(3);
    }
    await outbox.deliverDue();
    await sleep(20);
  }
  mark('done');
}
