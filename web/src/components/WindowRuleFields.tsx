import { useId, useState } from 'react';
import type { ChannelType } from '../api/types.js';
import { checkFields, type FieldSpecs, type Problems } from '../field-errors.js';
import { ChannelChecks } from './ChannelChecks.js';
import { useApiForm } from './editing.js';
import { unseenAppWarning, useSeenApps } from './seen-apps.js';
import { Field } from './ui.js';

/** The fields every window rule form shares, as typed. */
export interface WindowSharedForm {
  name: string;
  app_name: string;
  /** Empty: every log of the app. */
  message_key: string;
  cooldown_minutes: string;
  notify_resolved: boolean;
  is_active: boolean;
  alert_channels: ChannelType[];
}

export function windowSharedFormOf(
  rule:
    | {
        name: string;
        app_name: string;
        message_key: string | null;
        cooldown_minutes: number;
        notify_resolved: boolean;
        is_active: boolean;
        alert_channels: ChannelType[];
      }
    | undefined,
): WindowSharedForm {
  return {
    name: rule?.name ?? '',
    app_name: rule?.app_name ?? '',
    message_key: rule?.message_key ?? '',
    cooldown_minutes: String(rule?.cooldown_minutes ?? 0),
    notify_resolved: rule?.notify_resolved ?? true,
    is_active: rule?.is_active ?? true,
    alert_channels: rule?.alert_channels ?? ['telegram_chat'],
  };
}

/**
 * The state every window rule dialog starts from: the shared fields as typed, and the API form
 * (`useApiForm`) whose 409 is an error at the name. `setShared` drops the messages of the fields
 * just edited (the form checks again on submit).
 */
export function useWindowRuleForm(
  rule: Parameters<typeof windowSharedFormOf>[0],
  options: { specs: FieldSpecs; onSaved: () => void; fieldOf?: (apiField: string) => string },
) {
  const [shared, setSharedForm] = useState<WindowSharedForm>(() => windowSharedFormOf(rule));
  const form = useApiForm({
    ...options,
    conflict: () => ({
      field: 'name',
      message: `There is already a rule named ${shared.name.trim()}: choose another name`,
    }),
  });
  const setShared = (next: WindowSharedForm) => {
    form.clear(changedFields(shared, next));
    setSharedForm(next);
  };
  return { ...form, shared, setShared };
}

export const numberOrNaN = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));

/** The shared fields as the API takes them. */
export function windowSharedInput(form: WindowSharedForm) {
  return {
    name: form.name.trim(),
    app_name: form.app_name.trim(),
    message_key: form.message_key.trim() === '' ? null : form.message_key.trim(),
    cooldown_minutes: numberOrNaN(form.cooldown_minutes),
    notify_resolved: form.notify_resolved,
    is_active: form.is_active,
    alert_channels: form.alert_channels,
  };
}

export function windowSharedProblems(specs: FieldSpecs, form: WindowSharedForm): Problems {
  const { notify_resolved: _n, is_active: _a, ...typed } = form;
  return checkFields(specs, typed);
}

/** A body for JSON: a number that is not one (an empty field) is sent as null, for the API to name. */
export function jsonBody(input: object): object {
  return JSON.parse(JSON.stringify(input, (_k, v) => (typeof v === 'number' && Number.isNaN(v) ? null : v)));
}

/**
 * The body the preview is asked with: the rule as typed, without a name not yet given (the
 * preview needs none) and with a channel when none is chosen yet (a preview notifies no one).
 */
export function previewBody(input: ReturnType<typeof windowSharedInput> & Record<string, unknown>): object {
  const { name, alert_channels, is_active: _active, ...rest } = input;
  return jsonBody({
    ...rest,
    ...(name ? { name } : {}),
    // Any channel will do: a preview notifies no one, and every lagwatch has email.
    alert_channels: alert_channels.length > 0 ? alert_channels : ['email'],
  });
}

/** The fields whose value differs between two versions of a form (the ones just edited). */
export function changedFields<T extends object>(before: T, after: T): string[] {
  return (Object.keys(after) as (keyof T)[])
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map(String);
}

type Errors = (field: string) => string[] | undefined;

/** Name, app and message key: the head of every window rule form. */
export function WindowRuleHead({
  form,
  onChange,
  errorsOf,
  keyHint,
}: {
  form: WindowSharedForm;
  onChange: (form: WindowSharedForm) => void;
  errorsOf: Errors;
  keyHint: string;
}) {
  const seen = useSeenApps();
  const appListId = useId();
  return (
    <>
      <Field label="Rule name" errors={errorsOf('name')} hint="Unique across all rules; notifications carry it.">
        {(props) => (
          <input
            {...props}
            name="name"
            value={form.name}
            onChange={(e) => onChange({ ...form, name: e.target.value })}
            autoComplete="off"
          />
        )}
      </Field>
      <div className="form-row form-row-top">
        <Field label="App name" errors={errorsOf('app_name')} warning={unseenAppWarning(seen, form.app_name)}>
          {(props) => (
            <input
              {...props}
              name="app_name"
              list={appListId}
              value={form.app_name}
              onChange={(e) => onChange({ ...form, app_name: e.target.value })}
              autoComplete="off"
            />
          )}
        </Field>
        <datalist id={appListId}>
          {seen?.apps.map((app) => (
            <option key={app} value={app} />
          ))}
        </datalist>
        <Field label="Message key (optional)" errors={errorsOf('message_key')} hint={keyHint}>
          {(props) => (
            <input
              {...props}
              name="message_key"
              value={form.message_key}
              onChange={(e) => onChange({ ...form, message_key: e.target.value })}
              autoComplete="off"
            />
          )}
        </Field>
      </div>
    </>
  );
}

/** Reminders, the resolved notification and the channels: the tail of every window rule form. */
export function WindowRuleTail({
  form,
  onChange,
  errorsOf,
  covered,
}: {
  form: WindowSharedForm;
  onChange: (form: WindowSharedForm) => void;
  errorsOf: Errors;
  covered: ReadonlySet<ChannelType> | undefined;
}) {
  return (
    <>
      <div className="form-row form-row-top">
        <Field
          label="Remind every (minutes)"
          errors={errorsOf('cooldown_minutes')}
          hint="While firing; 0: no reminders."
        >
          {(props) => (
            <input
              {...props}
              name="cooldown_minutes"
              inputMode="numeric"
              value={form.cooldown_minutes}
              onChange={(e) => onChange({ ...form, cooldown_minutes: e.target.value })}
            />
          )}
        </Field>
        <label className="check">
          <input
            type="checkbox"
            name="notify_resolved"
            checked={form.notify_resolved}
            onChange={(e) => onChange({ ...form, notify_resolved: e.target.checked })}
          />
          Send a "resolved" notification
        </label>
      </div>
      <ChannelChecks
        channels={form.alert_channels}
        onChange={(alert_channels) => onChange({ ...form, alert_channels })}
        covered={covered}
        error={errorsOf('alert_channels')?.[0]}
      />
    </>
  );
}
