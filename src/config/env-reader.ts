import { maskUrl } from './redact.js';

/**
 * Reads typed values from an environment map, collecting one problem per bad variable
 * instead of failing on the first, so start-up can list every problem at once.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: Record<string, string | undefined>) {}

  raw(name: string): string | undefined {
    const value = this.env[name];
    if (value === undefined) return undefined;
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!/^-?\d+$/.test(value)) {
      this.problems.push(`${name}: "${value}" is not a whole number (allowed: ${min} to ${max})`);
      return fallback;
    }
    const parsed = Number(value);
    if (parsed < min || parsed > max) {
      this.problems.push(`${name}: ${parsed} is out of range (allowed: ${min} to ${max})`);
      return fallback;
    }
    return parsed;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const lower = value.toLowerCase();
    if ((allowed as readonly string[]).includes(lower)) return lower as T;
    this.problems.push(`${name}: "${value}" is not allowed (allowed: ${allowed.join(', ')})`);
    return fallback;
  }

  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  url(name: string, value: string): string {
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        this.problems.push(`${name}: "${redactUrl(value)}" must be an http:// or https:// URL`);
      }
    } catch {
      this.problems.push(`${name}: "${redactUrl(value)}" is not a valid URL`);
    }
    return value.replace(/\/+$/, '');
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}

/** Removes user:password and secret query values from a URL-looking string, for messages. */
export function redactUrl(value: string): string {
  return maskUrl(value).replace(/\/\/[^/@\s]*@/, '//***@');
}
