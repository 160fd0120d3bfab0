import type { Config } from '../../config/config.js';
import type { Logger } from '../../logging/logger.js';
import { type AppPage, type AppPageRequest, keyFigures, pageApps } from '../app-page.js';
import { extractLog, parseTimestamp, readPath } from '../fields.js';
import type { LogRecord } from '../log-record.js';
import type {
  AppStats,
  BucketStats,
  LogSource,
  ReadCandidate,
  ScanBatch,
  ScanRequest,
  SourceHealth,
  SummaryLimits,
  SummaryStats,
  Thresholds,
  TimeRange,
  TraceSummary,
} from '../source.js';
import type { WindowQuery, WindowSeries } from '../window-stats.js';
import { type AggregationFields, appStatistics, summaryStats, timeseriesStats } from './aggregations.js';
import { formatCursor, parseCursor } from './cursor.js';
import { assertComplete, ElasticsearchError, ElasticsearchMappingError } from './errors.js';
import { checkFields, type FieldResolution, type FieldRole } from './field-check.js';
import { type EsClientOptions, EsHttpClient } from './http-client.js';
import { type KeywordField, keywordTerms } from './keyword-field.js';
import { type Hit, isShardDocUnsupported, type PageRequest, readPages } from './paging.js';
import { rankRoundingOf } from './percentiles.js';
import { candidateQuery, type Query, roundToSeconds, scanWindow, timeRange } from './queries.js';
import { CandidatesToRemember, exclusionsOf, recordedInWindow } from './recent-candidates.js';
import { describeServer, fetchServerInfo, type PagingMode, type ServerInfo } from './server-info.js';
import { slowestTraces } from './slowest-traces.js';
import { indexPatterns, indexTarget } from './target.js';
import { windowStatistics } from './window-stats.js';

interface ScanWindow {
  /** Where the candidate search starts (the overlap before the watermark included). */
  readFrom: number;
  /** Where the logs this window newly covers start (for "logs scanned"). */
  countFrom: number;
  end: number;
  byIngestTime: boolean;
  exclusions: Query[];
  /** Candidates counted from here on are read again by the next window: they are remembered. */
  keepFrom: number;
  /** Recorded candidates already stored from keepFrom on. */
  storedFromKeep: number;
}

/** Elasticsearch answers at most `index.max_result_window` (10,000) hits per request. */
const MAX_PAGE = 10_000;
/** New daily indices may map fields differently: `_field_caps` is asked again after this long. */
const FIELD_CHECK_TTL_MS = 5 * 60_000;
/** While a field is not mapped anywhere yet, ask sooner. */
const UNMAPPED_RECHECK_MS = 30_000;

/** Test and tuning knobs for the HTTP client (retries, backoff). */
export type ClientTuning = Partial<
  Pick<EsClientOptions, 'maxRetries' | 'backoffBaseMs' | 'backoffMaxMs' | 'retryBudgetMs'>
>;

/** Creates the HTTP client from the configuration. */
export function clientFor(config: Config, logger: Logger, tuning: ClientTuning = {}): Promise<EsHttpClient> {
  const es = config.elasticsearch;
  return EsHttpClient.create(
    {
      hosts: es.hosts,
      username: es.username,
      password: es.password,
      apiKey: es.apiKey,
      caFile: es.caFile,
      requestTimeoutMs: es.requestTimeoutMs,
      ...tuning,
    },
    logger,
  );
}

/**
 * The LogSource over Elasticsearch 7.10+/8.x/9.x and OpenSearch 1.x–3.x. Open it with
 * `ElasticsearchLogSource.open(config, logger)`.
 */
export class ElasticsearchLogSource implements LogSource {
  readonly kind = 'elasticsearch' as const;
  readonly key: string;
  /** Since open: hits read by scans and trace, and hits skipped because their time was not valid. */
  readonly counters = { documentsRead: 0, skippedInvalidTime: 0 };
  private paging: PagingMode;
  private exclusionMemo:
    | { of: readonly ReadCandidate[] | undefined; readFrom: number; recorded: ReadCandidate[]; exclusions: Query[] }
    | undefined;
  private fields: FieldResolution;
  private fieldsCheckedAt: number;

  private constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly client: EsHttpClient,
    readonly server: ServerInfo,
    fields: FieldResolution,
  ) {
    const uuid = server.clusterUuid && server.clusterUuid !== '_na_' ? server.clusterUuid : client.hostLabels[0];
    this.key = `elasticsearch:${uuid}/${indexPatterns(config.elasticsearch).join(',')}`;
    this.paging = server.paging;
    this.fields = fields;
    this.fieldsCheckedAt = Date.now();
  }

  /** Learns the server's distribution and version (`GET /`) and the field mapping (`_field_caps`). */
  static async open(config: Config, logger: Logger, tuning: ClientTuning = {}): Promise<ElasticsearchLogSource> {
    const target = indexTarget(config.elasticsearch);
    const client = await clientFor(config, logger, tuning);
    try {
      const server = await fetchServerInfo(client, target);
      if (server.productHeaderMissing) {
        logger.warn(`${describeServer(server)} answered without the x-elastic-product header (a proxy may strip it)`);
      }
      const fields = await checkFields(client, target, config.fields);
      for (const problem of fields.problems) logger.error(problem.message);
      logger.info({ paging: server.paging }, `log source: ${describeServer(server)}, indices ${target}`);
      return new ElasticsearchLogSource(config, logger, client, server, fields);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  /** How windows are paged now (`_shard_doc` refused at run time switches to scroll). */
  get pagingMode(): PagingMode {
    return this.paging;
  }

  private get target(): string {
    return indexTarget(this.config.elasticsearch);
  }

  /**
   * The window a request reads. A checkpoint window starts at the stored watermark, re-reads the
   * overlap before it for logs that became visible late (minus the candidates known to be
   * recorded), and ends the lag before now.
   */
  private window(request: ScanRequest): ScanWindow {
    const { scan, fields } = this.config;
    if (request.mode === 'range') {
      const range = { from: request.range.from, to: Math.max(request.range.from, request.range.to) };
      return {
        readFrom: range.from,
        countFrom: range.from,
        end: range.to,
        byIngestTime: false,
        exclusions: [],
        keepFrom: range.to,
        storedFromKeep: 0,
      };
    }
    const stored = parseCursor(request.cursor);
    const watermark = stored ?? request.now - scan.initialLookbackMinutes * 60_000;
    // The very first scan has nothing to re-read.
    const readFrom = stored === undefined ? watermark : watermark - scan.overlapSeconds * 1000;
    const end = Math.max(watermark, request.now - scan.lagSeconds * 1000);
    const keepFrom = end - scan.overlapSeconds * 1000;
    // The probe asks every second with the same recorded candidates: their clauses are built once.
    const memo = this.exclusionMemo;
    const same = memo !== undefined && memo.of === request.recorded && memo.readFrom === readFrom;
    const recorded = same ? memo.recorded : recordedInWindow(request.recorded, readFrom);
    const exclusions = same ? memo.exclusions : exclusionsOf(recorded);
    this.exclusionMemo = { of: request.recorded, readFrom, recorded, exclusions };
    return {
      readFrom,
      countFrom: watermark,
      end,
      byIngestTime: fields.ingested !== undefined,
      exclusions,
      keepFrom,
      storedFromKeep: recorded.filter((c) => c.time >= keepFrom).length,
    };
  }

  private windowFilter(fields: Record<FieldRole, string>, window: ScanWindow, from: number): Query {
    const ingested = window.byIngestTime ? this.config.fields.ingested : undefined;
    return scanWindow(fields.timestamp, ingested, { from, to: window.end });
  }

  private candidates(fields: Record<FieldRole, string>, window: ScanWindow, thresholds: Thresholds): Query {
    const query = candidateQuery(
      {
        timestamp: fields.timestamp,
        app: this.keyword('app'),
        duration: fields.duration,
        unit: this.config.fields.durationUnit,
      },
      this.windowFilter(fields, window, window.readFrom),
      thresholds,
    );
    if (window.exclusions.length > 0) (query.bool as Record<string, unknown>).must_not = window.exclusions;
    return query;
  }

  /**
   * When a checkpoint scan would first read a candidate it has not read before (epoch ms; `now`
   * when one is already inside the scan's window), or undefined when there is none: one small
   * search, so that `start` scans as soon as a violating log becomes visible. The scan's window
   * (ending SCAN_LAG_SECONDS before its start) is not changed by it: the probe looks up to now,
   * takes the newest such candidate's time and says when that window first reaches it.
   */
  async pendingScanAt(request: Extract<ScanRequest, { mode: 'checkpoint' }>): Promise<number | undefined> {
    if (request.thresholds.size === 0) return undefined;
    const fields = await this.requireFields(['timestamp', 'duration', 'app']);
    const window = this.window(request);
    // By ingest time a log's window time is one field or the other: ask only whether the scan's
    // own window holds one (no hits, each shard stops at its first match).
    if (window.byIngestTime) {
      if (window.end <= window.countFrom) return undefined;
      const { body } = await this.probe<{ total?: { value: number } | number }>('hits.total', {
        size: 0,
        track_total_hits: 1,
        terminate_after: 1,
        query: this.candidates(fields, window, request.thresholds),
      });
      const total = body.hits?.total;
      return (typeof total === 'number' ? total : (total?.value ?? 0)) > 0 ? request.now : undefined;
    }
    const { body } = await this.probe<{ hits?: { sort?: unknown[] }[] }>('hits.hits.sort', {
      size: 1,
      _source: false,
      track_total_hits: false,
      // numeric_type: indices mapping the time as `date` and as `date_nanos` sort together (millis).
      sort: [{ [fields.timestamp]: { order: 'desc', unmapped_type: 'date', numeric_type: 'date' } }],
      query: this.candidates(fields, { ...window, end: request.now + 1 }, request.thresholds),
    });
    const newest = Number(body.hits?.hits?.[0]?.sort?.[0]);
    if (!Number.isFinite(newest)) return undefined;
    // The window [.., start − lag) holds `newest` once start − lag > newest.
    return Math.max(request.now, newest + this.config.scan.lagSeconds * 1000 + 1);
  }

  /** One probe search: a filtered and uncompressed answer over node:http (`start` asks every few seconds). */
  private async probe<H>(hitsPath: string, body: Record<string, unknown>) {
    const answer = await this.client.request<{ hits?: H }>({
      method: 'POST',
      path: `/${this.target}/_search`,
      query: {
        ignore_unavailable: true,
        allow_no_indices: true,
        filter_path: `timed_out,_shards.total,_shards.failed,_shards.failures,${hitsPath}`,
      },
      body,
      maxRetries: 0,
      small: true,
    });
    assertComplete(answer.body, 'pending check');
    return answer;
  }

  async *scan(request: ScanRequest): AsyncGenerator<ScanBatch> {
    const fields = await this.requireFields(['timestamp', 'duration', 'app']);
    const window = this.window(request);
    const countFrom = window.countFrom;
    const windowEnd = window.end;
    const oldCursor = formatCursor(countFrom);
    const finalCursor = formatCursor(windowEnd);
    if (windowEnd <= countFrom) {
      yield { candidates: [], scanned: 0, cursor: oldCursor, watermark: countFrom };
      return;
    }
    const scanned = await this.countWhere(this.windowFilter(fields, window, countFrom)).catch((error: unknown) => {
      throw failedRead(error, request.mode === 'checkpoint' ? countFrom : undefined);
    });
    const checkpoint = request.mode === 'checkpoint';
    const last = (candidates: LogRecord[], remember: ReadCandidate[] = []): ScanBatch => ({
      candidates,
      scanned,
      cursor: finalCursor,
      watermark: windowEnd,
      ...(checkpoint ? { remember: { candidates: remember, forgetBefore: window.keepFrom } } : {}),
    });
    if (request.thresholds.size === 0) {
      yield last([]);
      return;
    }
    const query = this.candidates(fields, window, request.thresholds);
    const page: PageRequest = {
      target: this.target,
      pageSize: Math.min(Math.max(1, request.batchSize), MAX_PAGE),
      query,
    };
    const skippedBefore = this.counters.skippedInvalidTime;
    // One page is held back: only once the next one is known to be empty does a batch become the
    // last one, which alone carries the new watermark.
    let pending: { candidates: LogRecord[]; remember: ReadCandidate[] } | undefined;
    const toRemember = new CandidatesToRemember(window.keepFrom, window.storedFromKeep);
    try {
      for await (const hits of this.pages(page)) {
        const candidates = this.toRecords(hits);
        const remember = checkpoint ? toRemember.take(this.scanTimes(hits, candidates)) : [];
        if (pending) {
          yield {
            candidates: pending.candidates,
            scanned: 0,
            cursor: oldCursor,
            watermark: countFrom,
            ...(checkpoint ? { remember: { candidates: pending.remember } } : {}),
          };
        }
        pending = { candidates, remember };
      }
    } catch (error) {
      throw failedRead(error, checkpoint ? countFrom : undefined);
    }
    const skipped = this.counters.skippedInvalidTime - skippedBefore;
    if (skipped > 0) this.logger.warn({ skipped }, 'scan: documents without a valid time were skipped');
    yield last(pending?.candidates ?? [], pending?.remember);
  }

  async summary(range: TimeRange, app?: string, limits?: SummaryLimits): Promise<SummaryStats> {
    const fields = await this.aggregationFields(['timestamp', 'duration', 'app', 'level']);
    return summaryStats(this.client, this.target, fields, roundToSeconds(range), app, limits);
  }

  async timeseries(range: TimeRange, intervalMs: number, app?: string): Promise<BucketStats[]> {
    const fields = await this.aggregationFields(['timestamp', 'duration', 'app']);
    return timeseriesStats(this.client, this.target, fields, roundToSeconds(range), intervalMs, app);
  }

  async appStats(range: TimeRange, keysPerApp: number): Promise<AppStats[]> {
    const fields = await this.aggregationFields(['timestamp', 'duration', 'app', 'messageKey']);
    return appStatistics(this.client, this.target, fields, roundToSeconds(range), keysPerApp);
  }

  /**
   * Every app's figures (composite pages of 1,000 groups: exact), ordered and cut to the page;
   * the slowest message keys are then read for the page's apps only, so the (app, key) groups
   * walked stay bounded by the page however many apps there are.
   */
  async appPage(range: TimeRange, request: AppPageRequest): Promise<AppPage> {
    const fields = await this.aggregationFields(['timestamp', 'duration', 'app', 'messageKey']);
    const rounded = roundToSeconds(range);
    const all = await appStatistics(this.client, this.target, fields, rounded, 0);
    const page = pageApps(all, { ...request, keysPerApp: 0 });
    const logged = page.apps.filter((a) => a.logs > 0).map((a) => a.app_name);
    if (request.keysPerApp <= 0 || logged.length === 0) return page;
    const keyed = await appStatistics(this.client, this.target, fields, rounded, request.keysPerApp, logged);
    const keysOf = new Map(keyed.map((a) => [a.app, a.slowestKeys]));
    return {
      ...page,
      apps: page.apps.map((a) => ({
        ...a,
        slowest_message_keys: keyFigures(keysOf.get(a.app_name) ?? [], request.keysPerApp),
      })),
    };
  }

  async trace(correlationId: string, limit: number): Promise<LogRecord[]> {
    const fields = await this.requireFields(['timestamp', 'correlationId']);
    const { body } = await this.client.request<{ hits?: { hits?: Hit[] } }>({
      method: 'POST',
      path: `/${this.target}/_search`,
      query: { ignore_unavailable: true, allow_no_indices: true },
      body: {
        size: Math.min(Math.max(0, limit), MAX_PAGE),
        track_total_hits: false,
        query: { bool: { filter: [keywordTerms(this.keyword('correlationId'), [correlationId])] } },
        // numeric_type: indices mapping the time as `date` and as `date_nanos` sort together.
        sort: [{ [fields.timestamp]: { order: 'asc', unmapped_type: 'date', numeric_type: 'date' } }, '_doc'],
      },
    });
    assertComplete(body, 'trace');
    // Stable: equal times keep the server's order.
    return this.toRecords(body.hits?.hits ?? []).sort((a, b) => a.time - b.time);
  }

  async slowestTraces(range: TimeRange, limit: number, app?: string): Promise<TraceSummary[]> {
    const f = await this.requireFields(['timestamp', 'duration', 'app', 'correlationId']);
    const fields = {
      timestamp: f.timestamp,
      duration: f.duration,
      unit: this.config.fields.durationUnit,
      app: this.keyword('app'),
      correlationId: this.keyword('correlationId'),
    };
    return slowestTraces(this.client, this.target, fields, roundToSeconds(range), limit, app, (hits) =>
      this.toRecords(hits),
    );
  }

  async windowStats(queries: readonly WindowQuery[]): Promise<WindowSeries[][]> {
    const keyed = queries.some((q) => q.messageKey !== null || q.perKey);
    const f = await this.aggregationFields(['timestamp', 'duration', 'app', ...(keyed ? ['messageKey' as const] : [])]);
    const fields = { ...f, ingested: this.config.fields.ingested };
    return windowStatistics(this.client, this.target, fields, queries);
  }

  async health(): Promise<SourceHealth> {
    const description = describeServer(this.server);
    try {
      // Readiness probes want a quick answer: one attempt, at most 5 s.
      const quick = { maxRetries: 0, timeoutMs: Math.min(5000, this.config.elasticsearch.requestTimeoutMs) };
      const { status, body } = await this.client.request<{ status?: string }>({
        method: 'GET',
        path: '/_cluster/health',
        acceptStatuses: [403],
        ...quick,
      });
      let cluster = `cluster ${body.status ?? 'unknown'}`;
      if (status === 403) {
        // A log reader without the monitor privilege: its indices answering is what counts.
        await this.client.request({
          method: 'POST',
          path: `/${this.target}/_count`,
          query: { ignore_unavailable: true, allow_no_indices: true },
          ...quick,
        });
        cluster = 'indices readable (cluster health needs the monitor privilege)';
      }
      const fields = await this.currentFields();
      const problems = fields.problems.map((p) => p.message);
      if (status !== 403 && body.status === 'red') problems.unshift('cluster health is red');
      return {
        ok: problems.length === 0,
        description: `${description}, ${cluster}`,
        version: this.server.version,
        ...(problems.length > 0 ? { error: problems.join('; ') } : {}),
      };
    } catch (error) {
      return { ok: false, description, version: this.server.version, error: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  /** Exact number of logs in [from, to). */
  async count(range: TimeRange): Promise<number> {
    const fields = await this.requireFields(['timestamp']);
    return this.countWhere(timeRange(fields.timestamp, range));
  }

  private async countWhere(filter: Query): Promise<number> {
    const { body } = await this.client.request<{ count: number }>({
      method: 'POST',
      path: `/${this.target}/_count`,
      query: { ignore_unavailable: true, allow_no_indices: true },
      body: { query: { bool: { filter: [filter] } } },
      complete: 'count',
    });
    return body.count;
  }

  /** Pages of a window; a server refusing `_shard_doc` despite its version is read by scroll from then on. */
  private async *pages(request: PageRequest): AsyncGenerator<Hit[]> {
    let started = false;
    try {
      for await (const hits of readPages(this.client, this.paging, request, this.logger)) {
        started = true;
        yield hits;
      }
    } catch (error) {
      if (started || this.paging === 'scroll' || !isShardDocUnsupported(error)) throw error;
      this.logger.warn(`${describeServer(this.server)} refuses the _shard_doc sort; reading with scroll instead`);
      this.paging = 'scroll';
      yield* readPages(this.client, 'scroll', request, this.logger);
    }
  }

  /** Each candidate with the time its window counted it by: its ingest time when configured and present. */
  private scanTimes(hits: Hit[], records: LogRecord[]): { sourceId: string; time: number }[] {
    const ingested = this.config.fields.ingested;
    if (ingested === undefined) return records;
    const byId = new Map(hits.map((h) => [`${h._index}/${h._id}`, h._source]));
    return records.map((r) => ({
      sourceId: r.sourceId,
      time: parseTimestamp(readPath(byId.get(r.sourceId), ingested)) ?? r.time,
    }));
  }

  private toRecords(hits: Hit[]): LogRecord[] {
    const records: LogRecord[] = [];
    for (const hit of hits) {
      this.counters.documentsRead++;
      const extracted = extractLog(hit._source, this.config.fields);
      if (!extracted.ok) {
        this.counters.skippedInvalidTime++;
        continue;
      }
      records.push({ sourceId: `${hit._index}/${hit._id}`, ...extracted.log });
    }
    return records;
  }

  private async currentFields(): Promise<FieldResolution> {
    const age = Date.now() - this.fieldsCheckedAt;
    if (age > FIELD_CHECK_TTL_MS || (this.fields.unmapped.length > 0 && age > UNMAPPED_RECHECK_MS)) {
      this.fields = await checkFields(this.client, this.target, this.config.fields);
      this.fieldsCheckedAt = Date.now();
    }
    return this.fields;
  }

  /** The query fields for these roles; refuses when one of them is mapped unusably. */
  private async requireFields(roles: FieldRole[]): Promise<Record<FieldRole, string>> {
    const fields = await this.currentFields();
    const problems = fields.problems.filter((p) => roles.includes(p.role)).map((p) => p.message);
    if (problems.length > 0) throw new ElasticsearchMappingError(problems);
    return fields.queryField;
  }

  private async aggregationFields(roles: FieldRole[]): Promise<AggregationFields> {
    const f = await this.requireFields(roles);
    return {
      timestamp: f.timestamp,
      duration: f.duration,
      unit: this.config.fields.durationUnit,
      app: this.keyword('app'),
      messageKey: this.keyword('messageKey'),
      level: this.keyword('level'),
      rounding: rankRoundingOf(this.server),
    };
  }

  /** A keyword role's field as resolved by the last field check (see KeywordField). */
  private keyword(role: 'app' | 'messageKey' | 'level' | 'correlationId'): KeywordField {
    return { field: this.fields.queryField[role], fallback: this.fields.fallback[role] };
  }
}

/** A read that failed for good, said so for the cron log: the checkpoint does not move past it. */
function failedRead(error: unknown, checkpoint: number | undefined): unknown {
  if (!(error instanceof ElasticsearchError)) return error;
  const stays = checkpoint === undefined ? '' : `; the checkpoint stays at ${new Date(checkpoint).toISOString()}`;
  return new ElasticsearchError(`failed read: ${error.message}${stays}`, error.status, error.type, error.reason);
}
