import type uPlot from 'uplot';

/** A silence (a band from its start to its end) or a sent alert (a line) on a chart's time axis. */
export interface ChartEvent {
  kind: 'silence' | 'alert';
  /** Epoch ms. */
  at: number;
  /** Epoch ms; a silence's end. */
  until?: number;
  /** The tooltip: what it was, for what, when. */
  title: string;
}

/** The titles of the events under plot pixel `x` (a line within a few pixels): the plot's tooltip there. */
export function eventTitlesAt(u: uPlot, events: readonly ChartEvent[], x: number): string[] {
  const slack = 4;
  return events
    .filter((event) => {
      const left = u.valToPos(event.at / 1000, 'x');
      const right = event.until === undefined ? left : u.valToPos(event.until / 1000, 'x');
      return x >= left - slack && x <= right + slack;
    })
    .map((event) => event.title);
}

/**
 * Places the events as elements over the plot (uPlot's `over` layer), where tests and the eye
 * find them. They take no pointer events (uPlot zooms and hovers only on its own layer); the
 * plot's tooltip names the events under the mouse instead (eventTitlesAt).
 */
export function placeEvents(u: uPlot, events: readonly ChartEvent[]): void {
  let layer = u.over.querySelector<HTMLDivElement>(':scope > .chart-events');
  if (!layer) {
    layer = document.createElement('div');
    layer.className = 'chart-events';
    u.over.append(layer);
  }
  const width = u.over.clientWidth;
  const elements: HTMLElement[] = [];
  for (const event of events) {
    const left = u.valToPos(event.at / 1000, 'x');
    const right = event.until === undefined ? left : u.valToPos(event.until / 1000, 'x');
    // Outside the plot: not shown (a silence that overlaps it is clipped to it).
    if (right < 0 || left > width || Number.isNaN(left)) continue;
    const from = Math.max(0, left);
    const to = Math.min(width, right);
    const element = document.createElement('div');
    element.className = `chart-event chart-event-${event.kind}`;
    element.dataset.kind = event.kind;
    element.dataset.at = String(event.at);
    element.title = event.title;
    element.style.left = `${from}px`;
    if (event.until !== undefined) element.style.width = `${Math.max(2, to - from)}px`;
    elements.push(element);
  }
  layer.replaceChildren(...elements);
}
