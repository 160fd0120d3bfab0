/**
 * What every crash-harness child shares: `mark()` prints a marker line and, at the
 * HARNESS_STOP_AFTER-th, freezes until the parent kills it; `now()` is the clock moved forward
 * by HARNESS_CLOCK_OFFSET_MS (see crash-child.ts).
 */
const stopAfter = Number(process.env.HARNESS_STOP_AFTER ?? 0);
let marks = 0;

export const mark = (marker: string): void => {
  process.stdout.write(`${marker}\n`);
  if (++marks === stopAfter) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
};

const offset = Number(process.env.HARNESS_CLOCK_OFFSET_MS ?? 0);
export const now = (): number => Date.now() + offset;
