/** What happened, as the dashboard's live stream (`GET /events`) reports it. */
export type LagwatchEvent =
  | {
      type: 'violation';
      data: {
        rule_type: 'app' | 'message';
        rule_id: number;
        app_name: string;
        message_key: string | null;
        duration_ms: number;
        threshold_ms: number;
        log_time: string;
        correlation_id: string | null;
      };
    }
  | {
      type: 'scan';
      data: {
        status: 'success' | 'failed' | 'skipped';
        logs_scanned: number;
        violations: number;
        alerts: number;
        started_at: string;
        finished_at: string;
        error: string | null;
      };
    }
  | {
      type: 'alert';
      data: {
        id: number;
        status: 'sent' | 'failed' | 'suppressed';
        channel: string;
        app_name: string;
        message_key: string | null;
        violation_count: number;
      };
    }
  | {
      type: 'incident';
      data: {
        id: number;
        state: 'firing' | 'resolved';
        rule_type: string;
        rule_id: number;
        name: string;
        app_name: string;
        message_key: string | null;
        value: number | null;
        unit: string;
      };
    }
  | { type: 'ingest'; data: { accepted: number; rejected: number } };
