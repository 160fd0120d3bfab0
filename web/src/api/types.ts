/**
 * What the lagwatch API answers and accepts, derived from the server's own TypeBox schemas
 * (type-only imports: nothing of the server is bundled). A field renamed on the server is a
 * type error here.
 */
import type { Static } from 'typebox';
import type {
  AppsOutput,
  DashboardSettingsOutput,
  OverviewOutput,
  ServerStatusOutput,
  SlowestTracesOutput,
  TimeseriesOutput,
  TraceOutput,
  ViolationBreakdownOutput,
  ViolationHistogramOutput,
  ViolationPageOutput,
  ViolationSortSchema,
} from '../../../src/http/dashboard-schemas.js';
import type {
  AlertOutput,
  AlertPreviewOutput,
  AlertStatusSchema,
  AppRuleOutput,
  ChannelOutput,
  MessageRuleOutput,
  TargetOutput,
  TargetTestOutput,
} from '../../../src/http/schemas.js';
import type { AppRuleCreate, MessageRuleCreate, TargetCreate } from '../../../src/rules/schemas.js';
import type { SilenceCreate, SilenceOutput } from '../../../src/silences/schemas.js';

export type { Page } from '../../../src/db/page.js';
export type { ChannelType, Managed, RuleKind } from '../../../src/rules/types.js';
export type { AppSort, AppSortColumn } from '../../../src/stats/app-sort.js';

export type Overview = Static<typeof OverviewOutput>;
export type Timeseries = Static<typeof TimeseriesOutput>;
export type Bucket = Timeseries['buckets'][number];
export type AppsPage = Static<typeof AppsOutput>;
export type AppStats = AppsPage['apps'][number];
export type KeyStats = AppStats['slowest_message_keys'][number];
export type Trace = Static<typeof TraceOutput>;
export type TraceLog = Trace['logs'][number];
export type SlowestTrace = Static<typeof SlowestTracesOutput>['traces'][number];
export type ViolationPage = Static<typeof ViolationPageOutput>;
export type Violation = ViolationPage['items'][number];
export type ServerStatus = Static<typeof ServerStatusOutput>;
export type ViolationHistogram = Static<typeof ViolationHistogramOutput>;
export type ViolationBreakdown = Static<typeof ViolationBreakdownOutput>;
export type BreakdownDimension = ViolationBreakdown['by'];
export type ViolationSort = Static<typeof ViolationSortSchema>;
export type DashboardSettings = Static<typeof DashboardSettingsOutput>;
export type AlertStatus = Static<typeof AlertStatusSchema>;
export type Alert = Static<typeof AlertOutput>;
export type AlertPreview = Static<typeof AlertPreviewOutput>;
export type AppRule = Static<typeof AppRuleOutput>;
export type MessageRule = Static<typeof MessageRuleOutput>;
export type RuleInput = Static<typeof AppRuleCreate> | Static<typeof MessageRuleCreate>;
/** One channel lagwatch can send to (`GET /channels`). */
export type Channel = Static<typeof ChannelOutput>;
export type Target = Static<typeof TargetOutput>;
export type TargetInput = Static<typeof TargetCreate>;
/** The answer to `POST /targets/{id}/test`. */
export type TargetTest = Static<typeof TargetTestOutput>;
export type Silence = Static<typeof SilenceOutput>;
export type SilenceInput = Static<typeof SilenceCreate>;

/** One problem of a rejected request (`error.details`). */
export interface Problem {
  field: string;
  message: string;
}

/** The range the dashboard shows. */
export interface TimeRange {
  from: Date;
  to: Date;
}
