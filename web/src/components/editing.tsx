import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from '../api/client.js';
import { type FieldSpecs, type Problems, translateDetails } from '../field-errors.js';
import { managedReason } from './ManagedBadge.js';

/**
 * Row actions of a list (enable/disable, delete): which row is busy, the last API error, and a
 * runner that reloads the list after a successful action.
 */
export function useRowActions(reload: () => void) {
  const [busy, setBusy] = useState<number>();
  const [actionError, setActionError] = useState<ApiError>();
  const act = async (id: number, action: () => Promise<unknown>) => {
    setBusy(id);
    setActionError(undefined);
    try {
      await action();
      reload();
    } catch (error) {
      if (error instanceof ApiError) setActionError(error);
    } finally {
      setBusy(undefined);
    }
  };
  return { busy, actionError, act };
}

/**
 * A form that saves through the API. `submit(check, save)` first runs the form's own checks
 * (nothing is sent while one fails), then the save; the API's answer is translated into words
 * for people (../field-errors.ts) and kept per field, so that `errorsOf(field)` shows each problem
 * at its field. A 409 (the same name exists) is shown at the field `conflict` names. `general` is
 * the message (if any) that belongs to no field. After a failed submit the first invalid field
 * takes the focus.
 */
export function useApiForm({
  specs,
  onSaved,
  conflict,
  fieldOf,
}: {
  specs: FieldSpecs;
  onSaved: () => void;
  conflict?: () => { field: string; message: string };
  /** The form field an API field is shown at, when their names differ (`baseline.ratio` → `ratio`). */
  fieldOf?: (apiField: string) => string;
}) {
  const [problems, setProblems] = useState<Problems>({});
  const [saving, setSaving] = useState(false);
  const show = (form: HTMLFormElement, found: Problems) => {
    setProblems(found);
    requestAnimationFrame(() => form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus());
  };
  const submit = (check: () => Problems, save: () => Promise<unknown>) => async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const found = check();
    if (Object.keys(found).length > 0) return show(form, found);
    setSaving(true);
    setProblems({});
    try {
      await save();
      onSaved();
    } catch (caught) {
      if (!(caught instanceof ApiError)) throw caught;
      if (caught.status === 409 && conflict) {
        const { field, message } = conflict();
        show(form, { [field]: message });
      } else if (caught.details.length > 0) {
        const details = fieldOf ? caught.details.map((d) => ({ ...d, field: fieldOf(d.field) })) : caught.details;
        show(form, translateDetails(specs, details));
      } else {
        show(form, { '': caught.message });
      }
    } finally {
      setSaving(false);
    }
  };
  const errorsOf = (field: string) => (problems[field] ? [problems[field]] : undefined);
  /** Drops the problems shown at these fields (a form that clears a field's message once it is edited). */
  const clear = (fields: readonly string[]) =>
    setProblems((shown) => {
      if (!fields.some((f) => f in shown)) return shown;
      const rest = { ...shown };
      for (const field of fields) delete rest[field];
      return rest;
    });
  return { saving, submit, errorsOf, clear, general: problems[''] };
}

export function GeneralError({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <div className="note note-error" role="alert">
      {message}
    </div>
  );
}

/**
 * The Active switch, Cancel and the submit button that end every editing dialog; `preview` (what
 * the rule would see now) stays in view beside the buttons while the form scrolls.
 */
export function DialogFooter({
  active,
  onActiveChange,
  onCancel,
  saving,
  submitLabel,
  preview,
  managedFile,
}: {
  active: boolean;
  onActiveChange: (active: boolean) => void;
  onCancel: () => void;
  saving: boolean;
  submitLabel: string;
  preview?: ReactNode;
  /** The rules file that manages the item: nothing can be saved here, and the form says why. */
  managedFile?: string | null;
}) {
  const managed = managedFile ?? null;
  return (
    <>
      <label className="check">
        <input
          type="checkbox"
          name="is_active"
          checked={active}
          disabled={managed !== null}
          onChange={(e) => onActiveChange(e.target.checked)}
        />
        Active
      </label>
      {managed !== null && (
        <p className="note" data-testid="managed-note">
          {managedReason(managed)}
        </p>
      )}
      <footer className={`form-actions ${preview ? 'form-actions-preview' : ''}`}>
        {preview}
        <button type="button" className="button button-ghost" onClick={onCancel}>
          {managed !== null ? 'Close' : 'Cancel'}
        </button>
        {managed === null && (
          <button type="submit" className="button button-primary" disabled={saving}>
            {saving ? 'Saving…' : submitLabel}
          </button>
        )}
      </footer>
    </>
  );
}
