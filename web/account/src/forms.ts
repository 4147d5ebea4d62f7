import { h, uniqueId } from './dom';
import { describeFailure } from './keyhold';
import type { Problem } from './messages';

export interface FieldSpec {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password';
  autocomplete?: string;
  hint?: string;
  /** Digits-only codes get a numeric keyboard on phones, but recovery codes are letters too. */
  inputmode?: 'text' | 'numeric';
  minlength?: number;
  optional?: boolean;
}

export interface FormSpec {
  fields: FieldSpec[];
  submitLabel: string;
  /** Runs the action; a string it returns is announced as the outcome. */
  onSubmit: (values: Record<string, string>) => Promise<string | void>;
  /** Messages of this form for particular problem codes (e.g. a wrong current password). */
  messages?: Partial<Record<string, (problem: Problem) => string>>;
  /** Clear the fields after success (passwords and codes are never left behind). */
  resetOnSuccess?: boolean;
}

interface BuiltField {
  input: HTMLInputElement;
  error: HTMLElement;
  row: HTMLElement;
}

function buildField(spec: FieldSpec): BuiltField {
  const id = uniqueId(spec.name);
  const input = h('input', {
    id,
    name: spec.name,
    type: spec.type ?? 'text',
    autocomplete: spec.autocomplete,
    inputmode: spec.inputmode,
    minlength: spec.minlength === undefined ? undefined : String(spec.minlength),
    required: !spec.optional,
  });
  const error = h('p', { id: `${id}-error`, class: 'field-error' });
  const hint = spec.hint ? h('p', { id: `${id}-hint`, class: 'hint' }, spec.hint) : null;
  input.setAttribute('aria-describedby', [hint?.id, error.id].filter(Boolean).join(' '));
  const row = h('div', { class: 'field' }, h('label', { for: id }, spec.label), hint, input, error);
  return { input, error, row };
}

function clearErrors(fields: Map<string, BuiltField>, message: HTMLElement): void {
  message.textContent = '';
  for (const { input, error } of fields.values()) {
    input.removeAttribute('aria-invalid');
    error.textContent = '';
  }
}

/** Puts each field problem next to its field; returns the first field it marked, to move focus there. */
function showFieldErrors(fields: Map<string, BuiltField>, problem: Problem): HTMLInputElement | undefined {
  let first: HTMLInputElement | undefined;
  for (const { path, message } of problem.errors ?? []) {
    const field = fields.get(path.split('.')[0] ?? path);
    if (!field) continue;
    field.input.setAttribute('aria-invalid', 'true');
    field.error.textContent = message;
    first ??= field.input;
  }
  return first;
}

/**
 * A labelled form whose outcome is announced: the message element is a live region present from the
 * start (a region added at the moment of the message is often not read), field problems sit next to
 * their fields (aria-describedby), and focus moves to the first field in error.
 */
export function createForm(spec: FormSpec): HTMLFormElement {
  const fields = new Map(spec.fields.map((field) => [field.name, buildField(field)]));
  const message = h('p', { class: 'form-message', role: 'alert' });
  const status = h('p', { class: 'form-status', role: 'status' });
  const submit = h('button', { type: 'submit' }, spec.submitLabel);
  const form = h('form', {}, ...[...fields.values()].map((field) => field.row), submit, message, status);
  let pending = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (pending) return;
    pending = true;
    form.setAttribute('aria-busy', 'true');
    clearErrors(fields, message);
    status.textContent = '';
    const values = Object.fromEntries([...fields].map(([name, field]) => [name, field.input.value]));
    spec
      .onSubmit(values)
      .then(
        (outcome) => {
          if (spec.resetOnSuccess) form.reset();
          if (outcome) status.textContent = outcome;
        },
        (error: unknown) => {
          const failure = describeFailure(error, spec.messages);
          message.textContent = failure.message;
          const firstInvalid = failure.problem ? showFieldErrors(fields, failure.problem) : undefined;
          firstInvalid?.focus();
        },
      )
      .finally(() => {
        pending = false;
        form.removeAttribute('aria-busy');
      });
  });
  return form;
}
