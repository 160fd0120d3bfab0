import { type FormEvent, useState } from 'react';
import { ApiError } from '../api/client.js';

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
 * A dialog form that saves through the API: `submit(save)` runs the save, keeps the API's
 * error so that `errorsOf(field)` can show each problem at its field, and `general` is the
 * error (if any) that belongs to no field.
 */
export function useApiForm(onSaved: () => void) {
  const [error, setError] = useState<ApiError>();
  const [saving, setSaving] = useState(false);
  const submit = (save: () => Promise<unknown>) => async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setError(undefined);
    try {
      await save();
      onSaved();
    } catch (caught) {
      if (caught instanceof ApiError) setError(caught);
      else throw caught;
    } finally {
      setSaving(false);
    }
  };
  const errorsOf = (field: string) => error?.fieldErrors(field);
  const general =
    error && (error.details.length === 0 || error.details.some((d) => d.field === '')) ? error : undefined;
  return { saving, submit, errorsOf, general };
}

export function GeneralError({ error }: { error: ApiError | undefined }) {
  if (!error) return null;
  return (
    <div className="note note-error" role="alert">
      {error.details.find((d) => d.field === '')?.message ?? error.message}
    </div>
  );
}

/** The Active switch, Cancel and the submit button that end every editing dialog. */
export function DialogFooter({
  active,
  onActiveChange,
  onCancel,
  saving,
  submitLabel,
}: {
  active: boolean;
  onActiveChange: (active: boolean) => void;
  onCancel: () => void;
  saving: boolean;
  submitLabel: string;
}) {
  return (
    <>
      <label className="check">
        <input type="checkbox" name="is_active" checked={active} onChange={(e) => onActiveChange(e.target.checked)} />
        Active
      </label>
      <footer className="form-actions">
        <button type="button" className="button button-ghost" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={saving}>
          {saving ? 'Saving…' : submitLabel}
        </button>
      </footer>
    </>
  );
}
