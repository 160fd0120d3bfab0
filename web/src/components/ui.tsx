import { type ReactNode, useEffect, useId, useRef } from 'react';
import type { ApiError } from '../api/client.js';

export function Card({
  title,
  actions,
  children,
  className,
}: {
  title?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
}) {
  return (
    <section className={`card ${className ?? ''}`}>
      {(title || actions) && (
        <header className="card-header">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function ErrorNote({ error, retry }: { error: ApiError | undefined; retry?: () => void }) {
  if (!error || error.status === 401) return null;
  return (
    <div className="note note-error" role="alert">
      <span>{error.message}</span>
      {retry && (
        <button type="button" className="button button-small" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

export function Loading() {
  return (
    <p className="empty" aria-live="polite">
      Loading…
    </p>
  );
}

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'muted' | 'info'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export function LevelBadge({ level }: { level: string | null }) {
  const tone =
    level === 'error' || level === 'fatal'
      ? 'bad'
      : level === 'warn' || level === 'warning'
        ? 'warn'
        : level === 'debug'
          ? 'muted'
          : 'info';
  return <Badge tone={tone}>{level ?? '—'}</Badge>;
}

export function Pager({
  page,
  perPage,
  total,
  onPage,
  label,
}: {
  page: number;
  perPage: number;
  total: number;
  onPage: (page: number) => void;
  label: string;
}) {
  const pages = Math.max(1, Math.ceil(total / perPage));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label={`${label} pages`}>
      <button type="button" className="button button-small" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className="button button-small" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}

/**
 * A labelled form field that shows its problem and its warning (saving is still allowed; a problem
 * never hides it), or else a hint.
 */
export function Field({
  label,
  errors,
  warning,
  hint,
  children,
}: {
  label: string;
  errors?: string[];
  warning?: ReactNode;
  hint?: string;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode;
}) {
  const id = useId();
  const noteId = `${id}-note`;
  const warningId = `${id}-warning`;
  const invalid = (errors?.length ?? 0) > 0;
  const notes = [
    invalid && (
      <p className="field-error" id={noteId} key="error">
        {errors!.join('; ')}
      </p>
    ),
    warning && (
      <p className="field-warning" id={invalid ? warningId : noteId} key="warning">
        {warning}
      </p>
    ),
    !invalid && !warning && hint && (
      <p className="field-hint" id={noteId} key="hint">
        {hint}
      </p>
    ),
  ];
  const describedBy = invalid && warning ? `${noteId} ${warningId}` : invalid || warning || hint ? noteId : undefined;
  return (
    <div className={`field ${invalid ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': invalid, 'aria-describedby': describedBy })}
      {notes}
    </div>
  );
}

/**
 * A modal dialog (native `<dialog>`: focus trap and Escape come with it). When it closes, however
 * (Escape, Cancel, saving), the focus goes back to the control that opened it.
 */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      dialog?.close();
      // The opener may be gone (its row deleted meanwhile): then the page itself.
      if (opener?.isConnected && opener !== document.body) opener.focus();
      else document.getElementById('main')?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <header className="dialog-header">
        <h2 id={titleId}>{title}</h2>
        <button type="button" className="button button-ghost button-icon" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </header>
      {children}
    </dialog>
  );
}
