import type { TargetChannelRules } from '../target-repository.js';

/**
 * What rules files need of the channel registry: its channel types, a target's address check,
 * which addresses are secrets and how they are masked. The registry sits above this folder
 * (src/alerts/channels/registry.ts) and registers itself here when it is loaded, as it is in every
 * lagwatch process; reading or applying a file before that is a programming error.
 */
export interface FileChannels extends TargetChannelRules {
  readonly types: readonly string[];
  addressSecrets(type: string, address: string): string[];
  maskAddress(type: string, address: string): string;
}

let registered: FileChannels | undefined;

export function registerFileChannels(channels: FileChannels): void {
  registered = channels;
}

export function fileChannels(): FileChannels {
  if (!registered) throw new Error('the channel registry is not loaded (src/alerts/channels/registry.ts)');
  return registered;
}
