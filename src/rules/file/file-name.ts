import { isAbsolute, resolve } from 'node:path';

/**
 * The name a rules file goes by in `managed_by` and in the audit actor (`file:<name>`): its
 * absolute path, resolved against the working directory, so that `rules.yaml`, `./rules.yaml`
 * and `/srv/config/rules.yaml` (run in /srv/config, or as RULES_FILE gives it) are one file
 * wherever they are spelled. The path as given would make them three files, each releasing the
 * others' marks. Symbolic links are not followed: a Kubernetes config map swaps a timestamped
 * folder behind one on every update, which would rename the file each time.
 */
export function rulesFileName(given: string, cwd: string = process.cwd()): string {
  return resolve(cwd, given);
}

/**
 * Whether a stored `managed_by` names this file (`name`, from rulesFileName). Marks written
 * before names were resolved hold the path as given: a relative one is resolved here too, so
 * that a file still releases what it marked then.
 */
export function marksFile(mark: string | null, name: string, cwd: string = process.cwd()): boolean {
  if (mark === null) return false;
  return mark === name || (!isAbsolute(mark) && resolve(cwd, mark) === name);
}
