import { useEffect, useState } from 'react';
import { ApiError, api } from '../api/client.js';
import type { RulePreview, WindowKind } from '../api/window-types.js';
import { formatSpan } from '../format.js';
import { describePreview, type PreviewRule } from '../window-words.js';

/** How long typing must pause before the form asks the API again. */
export const PREVIEW_DEBOUNCE_MS = 500;

type PreviewState =
  | { status: 'idle' }
  | { status: 'loading'; last?: RulePreview }
  | { status: 'ready'; preview: RulePreview }
  | { status: 'error'; error: ApiError };

/**
 * What an unsaved rule would see right now: `POST /rules/<kind>/preview` with the form's body,
 * once typing pauses; undefined `body` (the form cannot be sent as it is) asks nothing.
 */
export function useRulePreview(kind: WindowKind, body: object | undefined): PreviewState {
  const [state, setState] = useState<PreviewState>({ status: 'idle' });
  const key = body === undefined ? '' : JSON.stringify(body);
  useEffect(() => {
    if (!key) {
      setState({ status: 'idle' });
      return;
    }
    const controller = new AbortController();
    setState((s) => ({ status: 'loading', last: s.status === 'ready' ? s.preview : undefined }));
    const timer = window.setTimeout(() => {
      api.windowRules.preview(kind, JSON.parse(key), controller.signal).then(
        (preview) => setState({ status: 'ready', preview }),
        (error: unknown) => {
          if (controller.signal.aborted) return;
          setState({
            status: 'error',
            error: error instanceof ApiError ? error : new ApiError(0, 'client', (error as Error).message),
          });
        },
      );
    }, PREVIEW_DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [kind, key]);
  return state;
}

/** The form's answer before saving: "p95 over the last 5 min: 640 ms from 1,204 logs; would not fire". */
export function RulePreviewPanel({
  state,
  rule,
  missing,
}: {
  state: PreviewState;
  rule: PreviewRule;
  /** Why nothing is asked yet: "Enter an app name and a threshold to see what this rule sees now." */
  missing: string;
}) {
  const shown = state.status === 'ready' ? state.preview : state.status === 'loading' ? state.last : undefined;
  const words = shown ? describePreview(rule, shown) : undefined;
  const fires = shown?.would_fire === true;
  return (
    <div
      className={`rule-preview ${fires ? 'rule-preview-fires' : ''}`}
      role="status"
      aria-live="polite"
      aria-busy={state.status === 'loading'}
      data-testid="rule-preview"
      data-state={state.status}
    >
      {state.status === 'idle' ? (
        <p className="rule-preview-headline muted">{missing}</p>
      ) : state.status === 'error' ? (
        <p className="rule-preview-headline text-bad">Cannot preview this rule: {state.error.message}</p>
      ) : !words ? (
        <p className="rule-preview-headline muted">Looking at the logs…</p>
      ) : (
        <>
          <p className="rule-preview-headline" data-testid="rule-preview-headline">
            Now: {words.headline}
          </p>
          {words.lines.length > 0 && (
            <ul>
              {words.lines.map((line) => (
                <li key={line}>{line}</li>
              ))}
            </ul>
          )}
          {words.more > 0 && <p className="muted small">and {words.more} more keys</p>}
          <p className="muted small">
            Window {formatSpan(new Date(shown!.window_from), new Date(shown!.window_to))}
            {state.status === 'loading' ? ' · updating…' : ''}
          </p>
        </>
      )}
    </div>
  );
}
