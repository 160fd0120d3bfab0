import type { ReplayOutcome } from './outcome.js';
import type { ExpectationsInput } from './test-file-schema.js';

/** An expectation that did not hold: what was expected and what the replay got. */
export type ExpectationFailure =
  | { expectation: 'violations' | 'notifications'; expected: number; got: number }
  | { expectation: 'firing'; expected: string[]; got: string[]; missing: string[]; unexpected: string[] };

/** Notifications that would be sent: queued as pending, not held back by a silence, cooldown or count window. */
export const notificationsSent = (outcome: ReplayOutcome): number =>
  outcome.notifications.filter((n) => n.status === 'pending').length;

/** Every expectation of a test that the outcome does not meet, in the order the format lists them. */
export function compareOutcome(expect: ExpectationsInput, outcome: ReplayOutcome): ExpectationFailure[] {
  const failures: ExpectationFailure[] = [];
  if (expect.violations !== undefined && expect.violations !== outcome.violations) {
    failures.push({ expectation: 'violations', expected: expect.violations, got: outcome.violations });
  }
  if (expect.firing !== undefined) {
    const expected = [...expect.firing].sort();
    const missing = expected.filter((name) => !outcome.firing.includes(name));
    const unexpected = outcome.firing.filter((name) => !expected.includes(name));
    if (missing.length > 0 || unexpected.length > 0) {
      failures.push({ expectation: 'firing', expected, got: outcome.firing, missing, unexpected });
    }
  }
  const sent = notificationsSent(outcome);
  if (expect.notifications !== undefined && expect.notifications !== sent) {
    failures.push({ expectation: 'notifications', expected: expect.notifications, got: sent });
  }
  return failures;
}
