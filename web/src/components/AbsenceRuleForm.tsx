import { useState } from 'react';
import { api } from '../api/client.js';
import type { ChannelType } from '../api/types.js';
import type { AbsenceRule } from '../api/window-types.js';
import { ABSENCE_FIELDS, checkFields } from '../field-errors.js';
import { DialogFooter, GeneralError } from './editing.js';
import { RulePreviewPanel, useRulePreview } from './RulePreview.js';
import { Dialog, Field } from './ui.js';
import {
  jsonBody,
  numberOrNaN,
  previewBody,
  useWindowRuleForm,
  WindowRuleHead,
  WindowRuleTail,
  windowSharedInput,
  windowSharedProblems,
} from './WindowRuleFields.js';

const PREVIEW_SHARED = ['app_name', 'message_key'];

export function AbsenceRuleDialog({
  rule,
  covered,
  onClose,
  onSaved,
}: {
  rule: AbsenceRule | undefined;
  covered: ReadonlySet<ChannelType> | undefined;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [silent, setSilent] = useState(String(rule?.silent_minutes ?? 10));
  const { saving, submit, errorsOf, clear, general, shared, setShared } = useWindowRuleForm(rule, {
    specs: ABSENCE_FIELDS,
    onSaved,
  });
  const sharedProblems = windowSharedProblems(ABSENCE_FIELDS, shared);
  const ownProblems = checkFields(ABSENCE_FIELDS, { silent_minutes: silent });
  const body = jsonBody({ ...windowSharedInput(shared), silent_minutes: numberOrNaN(silent) });
  const previewReady = Object.keys(ownProblems).length === 0 && PREVIEW_SHARED.every((f) => !sharedProblems[f]);
  const preview = useRulePreview(
    'absence',
    previewReady ? previewBody({ ...windowSharedInput(shared), silent_minutes: numberOrNaN(silent) }) : undefined,
  );
  const save = () =>
    rule ? api.windowRules.update('absence', rule.id, body) : api.windowRules.create('absence', body);

  return (
    <Dialog title={`${rule ? 'Edit' : 'New'} absence rule`} onClose={onClose}>
      <form
        className="form"
        onSubmit={submit(() => ({ ...sharedProblems, ...ownProblems }), save)}
        noValidate
        aria-label="absence rule"
      >
        <GeneralError message={general} />
        <WindowRuleHead
          form={shared}
          onChange={setShared}
          errorsOf={errorsOf}
          keyHint="Empty: any log of the app keeps it quiet."
        />
        <Field
          label="Silent for (minutes)"
          errors={errorsOf('silent_minutes')}
          hint="Fires when no log arrived for this long; the first log resolves it."
        >
          {(props) => (
            <input
              {...props}
              name="silent_minutes"
              inputMode="numeric"
              value={silent}
              onChange={(e) => {
                clear(['silent_minutes']);
                setSilent(e.target.value);
              }}
            />
          )}
        </Field>
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
              rule={{ kind: 'absence', silent_minutes: Number(silent) }}
              missing="Enter an app and a silent time to see what this rule would see now."
            />
          }
        />
      </form>
    </Dialog>
  );
}
