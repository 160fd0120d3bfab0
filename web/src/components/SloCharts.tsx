import { useMemo } from 'react';
import type { BurnAlert, SloHistory, SloHistoryPoint } from '../api/slo-types.js';
import { formatDateTime, formatSpan } from '../format.js';
import { burnAlertWords, burnRateKey, formatBudget, formatBurnRate, windowLength } from '../slo-words.js';
import { Chart, type ChartSeries } from './Chart.js';
import type { ChartEvent } from './chart-events.js';
import { useTimelineEventsOver } from './timeline-events.js';
import { Empty } from './ui.js';

interface Points {
  times: number[];
  points: SloHistoryPoint[];
}

function sortedPoints(history: SloHistory): Points {
  const points = history.points
    .map((p) => ({ p, at: Date.parse(p.t) }))
    .filter((x) => !Number.isNaN(x.at))
    .sort((a, b) => a.at - b.at);
  return { times: points.map((x) => x.at), points: points.map((x) => x.p) };
}

/**
 * The SLO's history: the error budget left over the period (0 marked: spent), and per burn alert
 * its long and short windows' burn rates against its factor. The charts share their crosshair.
 */
export function SloCharts({
  id,
  history,
  name,
  app,
  messageKey,
}: {
  id: number;
  history: SloHistory;
  name: string;
  app: string;
  messageKey: string | null;
}) {
  const { times, points } = useMemo(() => sortedPoints(history), [history]);
  // Silences and sent alerts of its app (and key) over the period, on every chart's time axis.
  const first = times[0];
  const last = times[times.length - 1];
  const events = useTimelineEventsOver(
    first === undefined || last === undefined ? undefined : { from: first, to: last + 1 },
    app,
    messageKey ?? undefined,
  ).data;
  if (times.length === 0) return <Empty>No history yet: the period has no figures.</Empty>;
  const span = formatSpan(new Date(times[0]!), new Date(times[times.length - 1]!));
  const syncKey = `slo-${id}`;
  return (
    <div className="slo-charts">
      <BudgetChart times={times} points={points} span={span} syncKey={syncKey} name={name} events={events} />
      {history.burn_alerts.map((alert, i) => (
        <BurnRateChart
          key={`${alert.long_minutes}-${alert.short_minutes}-${alert.factor}`}
          index={i}
          alert={alert}
          times={times}
          points={points}
          syncKey={syncKey}
          name={name}
          events={events}
        />
      ))}
    </div>
  );
}

function BudgetChart({
  times,
  points,
  span,
  syncKey,
  name,
  events,
}: Points & { span: string; syncKey: string; name: string; events?: ChartEvent[] }) {
  const series = useMemo(
    (): ChartSeries[] => [
      {
        label: 'budget left',
        values: points.map((p) => p.budget_remaining_percent),
        color: '--chart-1',
        kind: 'area',
        scale: 'budget',
        format: formatBudget,
      },
      {
        label: 'spent at',
        values: points.map(() => 0),
        color: '--bad',
        kind: 'threshold',
        scale: 'budget',
        format: formatBudget,
      },
    ],
    [points],
  );
  const last = points[points.length - 1]?.budget_remaining_percent;
  return (
    <div data-testid="slo-budget-chart">
      <h3 className="subheading">Error budget left, {span}</h3>
      <Chart
        times={times}
        series={series}
        axes={[{ scale: 'budget', label: 'budget left (%)', signed: true }]}
        events={events}
        syncKey={syncKey}
        height={200}
        name={`error budget of ${name}`}
        summary={`Error budget left of ${name} from ${formatDateTime(times[0])} to ${formatDateTime(times[times.length - 1])}, ending at ${formatBudget(last)}; below 0% the budget is overspent`}
      />
    </div>
  );
}

function BurnRateChart({
  index,
  alert,
  times,
  points,
  syncKey,
  name,
  events,
}: Points & { index: number; alert: BurnAlert; syncKey: string; name: string; events?: ChartEvent[] }) {
  const series = useMemo((): ChartSeries[] => {
    const rates = (minutes: number) => points.map((p) => p.burn_rates[burnRateKey(minutes)] ?? null);
    return [
      {
        label: `${windowLength(alert.long_minutes)} rate`,
        values: rates(alert.long_minutes),
        color: '--chart-1',
        kind: 'line',
        scale: 'rate',
        format: formatBurnRate,
      },
      {
        label: `${windowLength(alert.short_minutes)} rate`,
        values: rates(alert.short_minutes),
        color: '--chart-3',
        kind: 'line',
        scale: 'rate',
        format: formatBurnRate,
      },
      {
        label: 'fires at',
        values: points.map(() => alert.factor),
        color: '--bad',
        kind: 'threshold',
        scale: 'rate',
        format: formatBurnRate,
      },
    ];
  }, [alert, points]);
  return (
    <div data-testid="slo-burn-chart">
      <h3 className="subheading">
        Burn alert {index + 1}: {burnAlertWords(alert)}
      </h3>
      <Chart
        times={times}
        series={series}
        axes={[{ scale: 'rate', label: 'burn rate (×)' }]}
        events={events}
        syncKey={syncKey}
        height={180}
        name={`burn alert ${index + 1} of ${name}`}
        summary={`Burn rates of ${name} over ${windowLength(alert.long_minutes)} and ${windowLength(alert.short_minutes)} windows from ${formatDateTime(times[0])} to ${formatDateTime(times[times.length - 1])}; the alert fires when both are at or above ${formatBurnRate(alert.factor)}`}
      />
    </div>
  );
}
