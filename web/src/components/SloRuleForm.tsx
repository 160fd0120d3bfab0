import { useId, useState } from 'react';
import { api } from '../api/client.js';
import { type BurnAlert, DEFAULT_BURN_ALERTS, type SloRule } from '../api/slo-types.js';
import type { ChannelType } from '../api/types.js';
import { BURN_ALERT_FIELDS, checkFields, type FieldSpecs, type Problems, SLO_FIELDS } from '../field-errors.js';
import { DialogFooter, GeneralError } from './editing.js';
import { Dialog, Field } from './ui.js';
import {
  changedFields,
  jsonBody,
  numberOrNaN,
  useWindowRuleForm,
  WindowRuleHead,
  WindowRuleTail,
  windowSharedInput,
  windowSharedProblems,
} from './WindowRuleFields.js';

/** At most this many burn alerts (the server's limit; the defaults are two). */
const MAX_BURN_ALERTS = 4;

interface BurnAlertForm {
  /** Keeps a row's inputs its own when a row above it is removed. */
  row: number;
  long_minutes: string;
  short_minutes: string;
  factor: string;
}

interface SloForm {
  threshold_ms: string;
  objective: string;
  period_days: string;
  burn_alerts: BurnAlertForm[];
}

let rowsMade = 0;
const burnAlertFormOf = (alert: BurnAlert | Record<keyof BurnAlert, string>): BurnAlertForm => ({
  row: ++rowsMade,
  long_minutes: String(alert.long_minutes),
  short_minutes: String(alert.short_minutes),
  factor: String(alert.factor),
});

function sloFormOf(rule: SloRule | undefined): SloForm {
  return {
    threshold_ms: rule ? String(rule.threshold_ms) : '',
    objective: rule ? String(rule.objective) : '99.5',
    period_days: String(rule?.period_days ?? 28),
    burn_alerts: (rule?.burn_alerts ?? DEFAULT_BURN_ALERTS).map(burnAlertFormOf),
  };
}

/** Where the form shows a problem of one burn alert's field: `burn_alerts_0_factor`. */
const burnField = (index: number, name?: string) => `burn_alerts_${index}${name ? `_${name}` : ''}`;

/** The API's `burn_alerts.0.factor` is shown at `burn_alerts_0_factor`, `burn_alerts.1` at `burn_alerts_1`. */
const fieldOf = (apiField: string) => {
  const match = /^burn_alerts\.(\d+)(?:\.(\w+))?/.exec(apiField);
  return match ? burnField(Number(match[1]), match[2]) : apiField;
};

/** The specs of the form with `count` burn alerts: a row's problems are its own fields'. */
function specsFor(count: number): FieldSpecs {
  const specs: FieldSpecs = { ...SLO_FIELDS };
  for (let i = 0; i < count; i++) {
    for (const [name, spec] of Object.entries(BURN_ALERT_FIELDS)) specs[burnField(i, name)] = spec;
    specs[burnField(i)] = { kind: 'text', what: 'burn alert', maxLength: 0 };
  }
  return specs;
}

function sloProblems(form: SloForm): Problems {
  const { burn_alerts, ...plain } = form;
  const problems = checkFields(SLO_FIELDS, plain);
  if (burn_alerts.length === 0) problems.burn_alerts = 'Add at least one burn alert';
  burn_alerts.forEach((alert, i) => {
    const { row: _row, ...typed } = alert;
    const own = checkFields(BURN_ALERT_FIELDS, typed);
    for (const [name, message] of Object.entries(own)) problems[burnField(i, name)] = message;
    if (!own.long_minutes && !own.short_minutes && Number(alert.short_minutes) >= Number(alert.long_minutes)) {
      problems[burnField(i, 'short_minutes')] = 'Enter a short window shorter than the long one';
    }
    if (!own.long_minutes && !problems.period_days && Number(alert.long_minutes) > Number(form.period_days) * 1440) {
      problems[burnField(i, 'long_minutes')] = 'Enter a long window no longer than the period';
    }
  });
  return problems;
}

function sloInput(form: SloForm) {
  return {
    threshold_ms: numberOrNaN(form.threshold_ms),
    objective: numberOrNaN(form.objective),
    period_days: numberOrNaN(form.period_days),
    burn_alerts: form.burn_alerts.map((a) => ({
      long_minutes: numberOrNaN(a.long_minutes),
      short_minutes: numberOrNaN(a.short_minutes),
      factor: numberOrNaN(a.factor),
    })),
  };
}

/** Creates or edits an SLO: what counts as good, the objective and period, its burn alerts and channels. */
export function SloRuleDialog({
  rule,
  covered,
  onClose,
  onSaved,
}: {
  rule: SloRule | undefined;
  covered: ReadonlySet<ChannelType> | undefined;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [form, setForm] = useState<SloForm>(() => sloFormOf(rule));
  const hintId = useId();
  const { saving, submit, errorsOf, clear, general, shared, setShared } = useWindowRuleForm(rule, {
    specs: specsFor(form.burn_alerts.length),
    onSaved,
    fieldOf,
  });
  const set = (patch: Partial<SloForm>) => {
    const next = { ...form, ...patch };
    clear(changedFields(form, next));
    setForm(next);
  };
  const setAlerts = (burn_alerts: BurnAlertForm[]) => {
    // Rows shift when one is removed: their messages no longer belong to them.
    clear(Object.keys(specsFor(MAX_BURN_ALERTS)).filter((f) => f.startsWith('burn_alerts')));
    setForm({ ...form, burn_alerts });
  };
  const setAlert = (index: number, patch: Partial<BurnAlertForm>) => {
    clear(Object.keys(patch).map((name) => burnField(index, name)));
    clear([burnField(index)]);
    setForm({ ...form, burn_alerts: form.burn_alerts.map((a, i) => (i === index ? { ...a, ...patch } : a)) });
  };

  const body = jsonBody({ ...windowSharedInput(shared), ...sloInput(form) });
  const save = () => (rule ? api.slos.update(rule.id, body) : api.slos.create(body));

  const text =
    (name: 'threshold_ms' | 'objective' | 'period_days', inputMode: 'numeric' | 'decimal' = 'numeric') =>
    (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => (
      <input
        {...props}
        name={name}
        inputMode={inputMode}
        value={form[name]}
        onChange={(e) => set({ [name]: e.target.value })}
      />
    );

  return (
    <Dialog title={`${rule ? 'Edit' : 'New'} SLO`} onClose={onClose}>
      <form
        className="form"
        onSubmit={submit(() => ({ ...windowSharedProblems(SLO_FIELDS, shared), ...sloProblems(form) }), save)}
        noValidate
        aria-label="SLO"
      >
        <GeneralError message={general} />
        <WindowRuleHead form={shared} onChange={setShared} errorsOf={errorsOf} keyHint="Empty: every log of the app." />
        <div className="form-row form-row-top">
          <Field label="Good within (ms)" errors={errorsOf('threshold_ms')} hint="A log at or under this is good.">
            {text('threshold_ms', 'decimal')}
          </Field>
          <Field label="Objective (%)" errors={errorsOf('objective')} hint="Good logs aimed for, such as 99.5.">
            {text('objective', 'decimal')}
          </Field>
          <Field label="Period (days)" errors={errorsOf('period_days')} hint="The rolling window it is judged over.">
            {text('period_days')}
          </Field>
        </div>
        <fieldset className="burn-alerts" aria-describedby={hintId}>
          <legend>Burn alerts</legend>
          <p className="field-hint" id={hintId}>
            Fires when both windows burn the error budget at least this many times faster than the period allows.
          </p>
          {form.burn_alerts.map((alert, i) => (
            <fieldset className="burn-alert-row" key={alert.row} data-testid="burn-alert-row">
              <legend className="visually-hidden">Burn alert {i + 1}</legend>
              <Field label="Long window (min)" errors={errorsOf(burnField(i, 'long_minutes'))}>
                {(props) => (
                  <input
                    {...props}
                    inputMode="numeric"
                    value={alert.long_minutes}
                    onChange={(e) => setAlert(i, { long_minutes: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Short window (min)" errors={errorsOf(burnField(i, 'short_minutes'))}>
                {(props) => (
                  <input
                    {...props}
                    inputMode="numeric"
                    value={alert.short_minutes}
                    onChange={(e) => setAlert(i, { short_minutes: e.target.value })}
                  />
                )}
              </Field>
              <Field label="Factor (×)" errors={errorsOf(burnField(i, 'factor')) ?? errorsOf(burnField(i))}>
                {(props) => (
                  <input
                    {...props}
                    inputMode="decimal"
                    value={alert.factor}
                    onChange={(e) => setAlert(i, { factor: e.target.value })}
                  />
                )}
              </Field>
              <button
                type="button"
                className="button button-small button-ghost"
                aria-label={`Remove burn alert ${i + 1}`}
                onClick={() => setAlerts(form.burn_alerts.filter((_, j) => j !== i))}
              >
                Remove
              </button>
            </fieldset>
          ))}
          {errorsOf('burn_alerts') && <p className="field-error">{errorsOf('burn_alerts')!.join('; ')}</p>}
          <div className="burn-alert-actions">
            <button
              type="button"
              className="button button-small"
              disabled={form.burn_alerts.length >= MAX_BURN_ALERTS}
              onClick={() =>
                setAlerts([...form.burn_alerts, burnAlertFormOf({ long_minutes: '', short_minutes: '', factor: '' })])
              }
            >
              Add burn alert
            </button>
            <button
              type="button"
              className="button button-small button-ghost"
              onClick={() => setAlerts(DEFAULT_BURN_ALERTS.map(burnAlertFormOf))}
            >
              Use the defaults
            </button>
          </div>
        </fieldset>
        <WindowRuleTail form={shared} onChange={setShared} errorsOf={errorsOf} covered={covered} />
        <DialogFooter
          active={shared.is_active}
          onActiveChange={(is_active) => setShared({ ...shared, is_active })}
          onCancel={onClose}
          saving={saving}
          submitLabel={rule ? 'Save SLO' : 'Create SLO'}
          managedFile={rule?.managed_file}
        />
      </form>
    </Dialog>
  );
}
