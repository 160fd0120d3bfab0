/** A silence as the API, the CLI and the scan see it (times ISO 8601). */
export interface Silence {
  id: number;
  app_name: string;
  /** null: the whole app. */
  message_key: string | null;
  starts_at: string;
  ends_at: string;
  comment: string | null;
  /** "api", "cli:<user>", "dashboard" or "telegram:@<username>". */
  created_by: string;
  created_at: string;
  /** Whether it holds notifications back now. */
  active: boolean;
}

/** What a new silence says, validated; times epoch ms. */
export interface NewSilence {
  app_name: string;
  message_key: string | null;
  starts_at: number;
  ends_at: number;
  comment: string | null;
  created_by: string;
  /** Unique: a second create with the same key returns the first silence instead. */
  origin_key?: string;
}
