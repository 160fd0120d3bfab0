import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** A holder id for leases and claims: `<host>:<pid>:<random>`, so that a dead holder can be recognised. */
export function newHolderId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

/**
 * True when the id names a process on this host that no longer exists: its lease or claim is
 * free at once. Holders on other hosts (or ids of another shape) are never judged gone here:
 * their short, renewed expiry frees them.
 */
export function isGoneHolder(holder: string, isAlive: (pid: number) => boolean = processExists): boolean {
  const match = /^(.*):(\d+):[0-9a-z]+$/i.exec(holder);
  if (!match || match[1] !== hostname()) return false;
  const pid = Number(match[2]);
  return pid !== process.pid && !isAlive(pid);
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
