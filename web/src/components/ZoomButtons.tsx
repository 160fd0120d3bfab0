/** What a chart's zoom buttons do; `reset` absent: nothing to reset (the button is disabled). */
export interface ChartZoom {
  zoomIn(): void;
  zoomOut(): void;
  reset?: () => void;
}

/** Zoom in, out and reset as buttons: the keyboard's way to zoom a time chart (dragging needs a mouse). */
export function ZoomButtons({ zoom, name }: { zoom: ChartZoom; name: string }) {
  return (
    // biome-ignore lint/a11y/useSemanticElements: a toolbar of buttons, not a form group
    <div className="zoom-buttons" role="group" aria-label={`Zoom ${name}`}>
      <button type="button" className="button button-small" onClick={zoom.zoomIn} aria-label={`Zoom in: ${name}`}>
        +
      </button>
      <button type="button" className="button button-small" onClick={zoom.zoomOut} aria-label={`Zoom out: ${name}`}>
        −
      </button>
      <button
        type="button"
        className="button button-small button-ghost"
        onClick={zoom.reset}
        disabled={!zoom.reset}
        aria-label={`Reset zoom: ${name}`}
      >
        Reset
      </button>
    </div>
  );
}
