import type { AppRule } from '../api/types.js';
import { checkFields, type Problems, RULE_FIELDS } from '../field-errors.js';
import { Field } from './ui.js';

/** The rule form's noise-control fields, as typed. */
export interface NoiseForm {
  min_count: string;
  window_minutes: string;
  notify_resolved: boolean;
  resolve_after_minutes: string;
}

export function noiseFormOf(rule: AppRule | undefined): NoiseForm {
  return {
    min_count: String(rule?.min_count ?? 1),
    window_minutes: String(rule?.window_minutes ?? 0),
    notify_resolved: rule?.notify_resolved ?? false,
    resolve_after_minutes: String(rule?.resolve_after_minutes ?? 10),
  };
}

const numberOrNaN = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

export function noiseInput(form: NoiseForm) {
  return {
    min_count: numberOrNaN(form.min_count),
    window_minutes: numberOrNaN(form.window_minutes),
    notify_resolved: form.notify_resolved,
    resolve_after_minutes: numberOrNaN(form.resolve_after_minutes),
  };
}

/** What is wrong with the noise fields, field by field, including the one rule across two of them. */
export function noiseProblems(form: NoiseForm): Problems {
  const { notify_resolved: _, ...typed } = form;
  const problems = checkFields(RULE_FIELDS, typed);
  if (
    !problems.min_count &&
    !problems.window_minutes &&
    Number(form.min_count) > 1 &&
    Number(form.window_minutes) === 0
  ) {
    problems.window_minutes = `Set a count window of at least 1 minute to count ${form.min_count.trim()} violations in`;
  }
  return problems;
}

export function RuleNoiseFields({
  form,
  onChange,
  errorsOf,
}: {
  form: NoiseForm;
  onChange: (form: NoiseForm) => void;
  errorsOf: (field: string) => string[] | undefined;
}) {
  const text =
    (name: 'min_count' | 'window_minutes' | 'resolve_after_minutes') =>
    (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => (
      <input
        {...props}
        name={name}
        inputMode="numeric"
        value={form[name]}
        onChange={(e) => onChange({ ...form, [name]: e.target.value })}
      />
    );
  return (
    <>
      <div className="form-row">
        <Field label="Count window (minutes)" errors={errorsOf('window_minutes')} hint="0: every violation can notify.">
          {text('window_minutes')}
        </Field>
        <Field label="Violations in the window" errors={errorsOf('min_count')} hint="Notify only from this many on.">
          {text('min_count')}
        </Field>
      </div>
      <div className="form-row">
        <label className="check">
          <input
            type="checkbox"
            name="notify_resolved"
            checked={form.notify_resolved}
            onChange={(e) => onChange({ ...form, notify_resolved: e.target.checked })}
          />
          Send a "resolved" notification
        </label>
        <Field
          label="Resolved after (minutes)"
          errors={errorsOf('resolve_after_minutes')}
          hint="Of logs without a violation."
        >
          {text('resolve_after_minutes')}
        </Field>
      </div>
    </>
  );
}
