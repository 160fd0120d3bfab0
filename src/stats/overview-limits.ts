/**
 * How many apps (`active_apps.apps`, `avg_duration.by_app`: the busiest) and levels
 * (`log_level_distribution`: the most frequent) `/dashboard/overview` lists; its totals count
 * them all. A leaf module: the HTTP schema and the web dashboard's types read it.
 */
export const OVERVIEW_LIMITS = { apps: 100, levels: 50 } as const;
