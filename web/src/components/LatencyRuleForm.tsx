import { useState } from 'react';
import { api } from '../api/client.js';
import type { ChannelType } from '../api/types.js';
import { type LatencyRule, WINDOW_STATISTICS, type WindowStatistic } from '../api/window-types.js';
import { checkField, checkFields, LATENCY_FIELDS, LATENCY_PERCENT_THRESHOLD, type Problems } from '../field-errors.js';
import { DialogFooter, GeneralError } from './editing.js';
import { RulePreviewPanel, useRulePreview } from './RulePreview.js';
import { Dialog, Field } from './ui.js';
import {
  changedFields,
  jsonBody,
  numberOrNaN,
  previewBody,
  useWindowRuleForm,
  WindowRuleHead,
  WindowRuleTail,
  windowSharedInput,
  windowSharedProblems,
} from './WindowRuleFields.js';

const STATISTIC_LABELS: Record<WindowStatistic, string> = {
  p50: 'p50 (median)',
  p90: 'p90',
  p95: 'p95',
  p99: 'p99',
  avg: 'Average',
  max: 'Maximum',
  slow_ratio: 'Share of slow logs (%)',
};

/** The latency form's own fields, as typed. */
interface LatencyForm {
  per_key: boolean;
  statistic: WindowStatistic;
  slow_ms: string;
  window_minutes: string;
  condition: 'threshold' | 'baseline';
  threshold: string;
  compare_to: '1d' | '7d';
  ratio: string;
  min_increase_ms: string;
  /** Empty: the threshold. */
  resolve_threshold: string;
  min_samples: string;
  pending_minutes: string;
}

function latencyFormOf(rule: LatencyRule | undefined): LatencyForm {
  return {
    per_key: rule?.per_key ?? false,
    statistic: rule?.statistic ?? 'p95',
    slow_ms: rule?.slow_ms === null || rule?.slow_ms === undefined ? '' : String(rule.slow_ms),
    window_minutes: String(rule?.window_minutes ?? 5),
    condition: rule?.baseline ? 'baseline' : 'threshold',
    threshold: rule?.threshold === null || rule?.threshold === undefined ? '' : String(rule.threshold),
    compare_to: rule?.baseline?.compare_to ?? '1d',
    ratio: String(rule?.baseline?.ratio ?? 2),
    min_increase_ms: String(rule?.baseline?.min_increase_ms ?? 0),
    resolve_threshold:
      rule?.resolve_threshold === null ||
      rule?.resolve_threshold === undefined ||
      rule.resolve_threshold === rule.threshold
        ? ''
        : String(rule.resolve_threshold),
    min_samples: String(rule?.min_samples ?? 20),
    pending_minutes: String(rule?.pending_minutes ?? 0),
  };
}

/** The fields of the form that apply to its choices (slow_ms only for slow_ratio, and so on). */
function relevantFields(form: LatencyForm) {
  const slowRatio = form.statistic === 'slow_ratio';
  return {
    statistic: form.statistic,
    window_minutes: form.window_minutes,
    min_samples: form.min_samples,
    pending_minutes: form.pending_minutes,
    ...(slowRatio ? { slow_ms: form.slow_ms } : {}),
    ...(form.condition === 'threshold'
      ? {
          threshold: form.threshold,
          ...(form.resolve_threshold.trim() ? { resolve_threshold: form.resolve_threshold } : {}),
        }
      : { ratio: form.ratio, min_increase_ms: form.min_increase_ms }),
  };
}

/** What is wrong with the latency fields, including the rules across two of them. */
function latencyProblems(form: LatencyForm): Problems {
  const fields = relevantFields(form);
  const { threshold, resolve_threshold, ...plain } = fields as Record<string, string>;
  const problems = checkFields(LATENCY_FIELDS, plain);
  const thresholdSpec = form.statistic === 'slow_ratio' ? LATENCY_PERCENT_THRESHOLD : LATENCY_FIELDS.threshold!;
  const resolveSpec =
    form.statistic === 'slow_ratio'
      ? { ...LATENCY_PERCENT_THRESHOLD, what: 'a resolve threshold' }
      : LATENCY_FIELDS.resolve_threshold!;
  if (threshold !== undefined) {
    const problem = checkField(thresholdSpec, threshold);
    if (problem) problems.threshold = problem;
  }
  if (resolve_threshold !== undefined) {
    const problem = checkField(resolveSpec, resolve_threshold);
    if (problem) problems.resolve_threshold = problem;
    else if (!problems.threshold && Number(resolve_threshold) > Number(threshold)) {
      problems.resolve_threshold = 'Enter a resolve threshold at or below the threshold';
    }
  }
  return problems;
}

/**
 * The latency fields as the API takes them. A field the form's choices leave out is absent from a
 * new rule and null in an update (null clears it: a rule moved from a threshold to a baseline).
 */
function latencyInput(form: LatencyForm, keyed: boolean, update: boolean) {
  const unset = update ? { value: null } : undefined;
  const optional = (name: string, value: unknown, used: boolean) =>
    used ? { [name]: value } : unset ? { [name]: unset.value } : {};
  const threshold = form.condition === 'threshold';
  return {
    per_key: keyed ? false : form.per_key,
    statistic: form.statistic,
    ...optional('slow_ms', numberOrNaN(form.slow_ms), form.statistic === 'slow_ratio'),
    window_minutes: numberOrNaN(form.window_minutes),
    ...optional('threshold', numberOrNaN(form.threshold), threshold),
    ...optional(
      'resolve_threshold',
      numberOrNaN(form.resolve_threshold),
      threshold && form.resolve_threshold.trim() !== '',
    ),
    ...optional(
      'baseline',
      {
        compare_to: form.compare_to,
        ratio: numberOrNaN(form.ratio),
        min_increase_ms: numberOrNaN(form.min_increase_ms),
      },
      !threshold,
    ),
    min_samples: numberOrNaN(form.min_samples),
    pending_minutes: numberOrNaN(form.pending_minutes),
  };
}

/** Fields the preview needs before it can ask (a name or channels it does not). */
const PREVIEW_SHARED = ['app_name', 'message_key'];

/** `baseline.ratio` is shown at the form's `ratio`, `baseline.min_increase_ms` at `min_increase_ms`. */
const fieldOf = (apiField: string) => apiField.replace(/^baseline\./, '');

export function LatencyRuleDialog({
  rule,
  covered,
  onClose,
  onSaved,
}: {
  rule: LatencyRule | undefined;
  covered: ReadonlySet<ChannelType> | undefined;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [form, setForm] = useState<LatencyForm>(() => latencyFormOf(rule));
  const { saving, submit, errorsOf, clear, general, shared, setShared } = useWindowRuleForm(rule, {
    specs: LATENCY_FIELDS,
    onSaved,
    fieldOf,
  });
  const set = (patch: Partial<LatencyForm>) => {
    const next = { ...form, ...patch };
    clear([...changedFields(form, next), ...(patch.condition || patch.statistic ? Object.keys(form) : [])]);
    setForm(next);
  };
  const keyed = shared.message_key.trim() !== '';
  const percent = form.statistic === 'slow_ratio';
  const unit = percent ? '%' : 'ms';

  const sharedProblems = windowSharedProblems(LATENCY_FIELDS, shared);
  const ownProblems = latencyProblems(form);
  const body = jsonBody({ ...windowSharedInput(shared), ...latencyInput(form, keyed, rule !== undefined) });
  const previewReady = Object.keys(ownProblems).length === 0 && PREVIEW_SHARED.every((f) => !sharedProblems[f]);
  const preview = useRulePreview(
    'latency',
    previewReady ? previewBody({ ...windowSharedInput(shared), ...latencyInput(form, keyed, false) }) : undefined,
  );

  const save = () =>
    rule ? api.windowRules.update('latency', rule.id, body) : api.windowRules.create('latency', body);

  const text =
    (name: keyof LatencyForm, inputMode: 'numeric' | 'decimal' = 'numeric') =>
    (props: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => (
      <input
        {...props}
        name={name}
        inputMode={inputMode}
        value={form[name] as string}
        onChange={(e) => set({ [name]: e.target.value })}
      />
    );

  return (
    <Dialog title={`${rule ? 'Edit' : 'New'} latency rule`} onClose={onClose}>
      <form
        className="form"
        onSubmit={submit(() => ({ ...sharedProblems, ...ownProblems }), save)}
        noValidate
        aria-label="latency rule"
      >
        <GeneralError message={general} />
        <WindowRuleHead form={shared} onChange={setShared} errorsOf={errorsOf} keyHint="Empty: every log of the app." />
        <label className="check">
          <input
            type="checkbox"
            name="per_key"
            checked={!keyed && form.per_key}
            disabled={keyed}
            onChange={(e) => set({ per_key: e.target.checked })}
          />
          One series per message key (the 200 busiest)
        </label>
        <div className="form-row form-row-top">
          <Field label="Statistic" errors={errorsOf('statistic')}>
            {(props) => (
              <select
                {...props}
                name="statistic"
                value={form.statistic}
                onChange={(e) => set({ statistic: e.target.value as WindowStatistic })}
              >
                {WINDOW_STATISTICS.map((s) => (
                  <option key={s} value={s}>
                    {STATISTIC_LABELS[s]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Window (minutes)" errors={errorsOf('window_minutes')} hint="Of log time, up to the scan.">
            {text('window_minutes')}
          </Field>
        </div>
        {percent && (
          <Field label="Slow above (ms)" errors={errorsOf('slow_ms')} hint="A log slower than this counts as slow.">
            {text('slow_ms', 'decimal')}
          </Field>
        )}
        <fieldset className="condition-choice">
          <legend>Fires when the {percent ? 'share' : 'statistic'} is</legend>
          <label className="check">
            <input
              type="radio"
              name="condition"
              value="threshold"
              checked={form.condition === 'threshold'}
              onChange={() => set({ condition: 'threshold' })}
            />
            Above a threshold
          </label>
          <label className="check">
            <input
              type="radio"
              name="condition"
              value="baseline"
              checked={form.condition === 'baseline'}
              onChange={() => set({ condition: 'baseline' })}
            />
            Slower than before (baseline)
          </label>
        </fieldset>
        {form.condition === 'threshold' ? (
          <div className="form-row form-row-top">
            <Field label={`Threshold (${unit})`} errors={errorsOf('threshold')} hint="Fires above this.">
              {text('threshold', 'decimal')}
            </Field>
            <Field
              label={`Resolve at (${unit}, optional)`}
              errors={errorsOf('resolve_threshold')}
              hint="Resolves at or below this; empty: the threshold."
            >
              {text('resolve_threshold', 'decimal')}
            </Field>
          </div>
        ) : (
          <div className="form-row form-row-top">
            <Field label="Compared with" errors={errorsOf('compare_to')}>
              {(props) => (
                <select
                  {...props}
                  name="compare_to"
                  value={form.compare_to}
                  onChange={(e) => set({ compare_to: e.target.value as '1d' | '7d' })}
                >
                  <option value="1d">A day earlier</option>
                  <option value="7d">A week earlier</option>
                </select>
              )}
            </Field>
            <Field label="Ratio (times)" errors={errorsOf('ratio')} hint="Fires above this many times the baseline.">
              {text('ratio', 'decimal')}
            </Field>
            <Field label="And at least (ms) more" errors={errorsOf('min_increase_ms')} hint="0: any increase.">
              {text('min_increase_ms', 'decimal')}
            </Field>
          </div>
        )}
        <div className="form-row form-row-top">
          <Field label="Minimum logs" errors={errorsOf('min_samples')} hint="A window with fewer logs is not judged.">
            {text('min_samples')}
          </Field>
          <Field
            label="Pending (minutes)"
            errors={errorsOf('pending_minutes')}
            hint="How long it must hold before firing; 0: at once."
          >
            {text('pending_minutes')}
          </Field>
        </div>
        <WindowRuleTail form={shared} onChange={setShared} errorsOf={errorsOf} covered={covered} />
        <DialogFooter
          active={shared.is_active}
          onActiveChange={(is_active) => setShared({ ...shared, is_active })}
          onCancel={onClose}
          saving={saving}
          submitLabel={rule ? 'Save rule' : 'Create rule'}
          managedFile={rule?.managed_file}
          preview={
            <RulePreviewPanel
              state={preview}
              rule={{
                kind: 'latency',
                statistic: form.statistic,
                slow_ms: percent ? Number(form.slow_ms) : null,
                window_minutes: Number(form.window_minutes),
                per_key: !keyed && form.per_key,
                min_samples: Number(form.min_samples),
                compare_to: form.condition === 'baseline' ? form.compare_to : null,
              }}
              missing="Enter an app and a threshold (or a baseline) to see what this rule would see now."
            />
          }
        />
      </form>
    </Dialog>
  );
}
