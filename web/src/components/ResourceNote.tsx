import type { ApiError } from '../api/client.js';
import { formatTime } from '../format.js';

/**
 * The error of a panel's request, in the panel: never an empty state instead. When the panel
 * still shows figures of the same request (a refresh failed), they are marked "as of" their time.
 */
export function ResourceNote({
  resource,
  actionError,
}: {
  resource: { data?: unknown; error?: ApiError; loadedAt?: number; reload(): void };
  /** A failed action of the panel (save, delete): shown when the request itself answered. */
  actionError?: ApiError;
}) {
  const failed = resource.error !== undefined;
  const error = resource.error ?? actionError;
  if (!error || error.status === 401) return null;
  const asOf = failed && resource.data !== undefined ? resource.loadedAt : undefined;
  return (
    <div className="note note-error" role="alert" data-testid="panel-error">
      <span>
        {error.message}
        {failed && error.status === 0 ? '; trying again every few seconds.' : ''}
        {asOf !== undefined && (
          <span className="as-of" data-testid="as-of">
            {' '}
            Showing the figures as of {formatTime(asOf)}.
          </span>
        )}
      </span>
      {failed && (
        <button type="button" className="button button-small" onClick={resource.reload}>
          Try again
        </button>
      )}
    </div>
  );
}

/** Whether a panel may say it has nothing: only when its request answered (an error is not "no data"). */
export function answered(resource: { data?: unknown; error?: ApiError }): boolean {
  return resource.data !== undefined && resource.error === undefined;
}
