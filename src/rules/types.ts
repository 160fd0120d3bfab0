/**
 * A channel type's name ("email", "slack"). The list of them is the channel registry
 * (src/alerts/channels/registry.ts), which sits above this folder: rules store and compare the
 * names, and the edges (HTTP schemas, the target repository's address check) check them against
 * the registry.
 */
export type ChannelType = string;

/** The kinds judged log by log (a violation per log over the threshold); see kinds/registry.ts for all. */
export type PerLogKind = 'app' | 'message';
/** The name the dashboard's rule pages use for the per-log kinds. */
export type RuleKind = PerLogKind;

/** Whether a rules file manages a rule or target (change it there), or the API does (null). */
export interface Managed {
  managed_by: 'file' | null;
  /** The managing rules file's path. */
  managed_file: string | null;
}

/** The `managed_by` column as answers show it. */
export function managedFields(column: string | null): Managed {
  return column === null ? { managed_by: null, managed_file: null } : { managed_by: 'file', managed_file: column };
}

/**
 * How a store writes besides the change itself: `managedBy` marks the entity as managed by that
 * rules file, null releases it, absent leaves it as it is. A change with `managedBy` is a rules
 * file's own (apply); without it, a change to a managed entity is a user's and is refused
 * (ConflictError `managed_by_file`, see managed.ts).
 */
export interface WriteOptions {
  managedBy?: string | null;
}

export interface AppRule extends Managed {
  id: number;
  app_name: string;
  max_duration: number;
  is_active: boolean;
  alert_channels: ChannelType[];
  cooldown_minutes: number;
  /** With window_minutes > 0: notify only once min_count violations have log times in the window. */
  min_count: number;
  window_minutes: number;
  /** Send one "resolved" notification once resolve_after_minutes of log time pass without a violation. */
  notify_resolved: boolean;
  resolve_after_minutes: number;
  created_at: string;
  updated_at: string;
}

export interface MessageRule extends AppRule {
  message_key: string;
}

export type Rule = AppRule | MessageRule;

export interface AlertTarget extends Managed {
  id: number;
  name: string;
  type: ChannelType;
  external_id: string;
  is_active: boolean;
  created_at: string;
  updated_at: string;
}
