import { accountApi } from '../account-api';
import { h, replaceChildren } from '../dom';
import { createForm, type FieldSpec } from '../forms';
import { qrCodeSvg } from '../qr';
import type { AccountSection, SectionContext } from './section';

const PASSWORD: FieldSpec = { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' };
const CODE: FieldSpec = {
  name: 'code',
  label: 'Authentication code',
  autocomplete: 'one-time-code',
  hint: 'From your authenticator app, or a recovery code.',
};
const WRONG_PASSWORD = { INVALID_CREDENTIALS: () => 'Your password is not right.' };

/** Renders into `body` one state at a time: off -> scanning -> recovery codes -> on. */
function twoStepView(body: HTMLElement, context: SectionContext) {
  const focusFirst = () => body.querySelector<HTMLElement>('h3, input')?.focus();

  function showOff(): void {
    const form = createForm({
      fields: [PASSWORD],
      submitLabel: 'Set up two-step verification',
      onSubmit: async ({ password = '' }) => showScan(await accountApi.startTotp(password)),
      messages: WRONG_PASSWORD,
    });
    replaceChildren(body, h('p', {}, 'Two-step verification is off. Turn it on to ask for a code from your phone at each sign-in.'), form);
  }

  function showScan(enrolment: { secret: string; otpauthUrl: string }): void {
    const confirm = createForm({
      fields: [{ ...CODE, hint: 'The 6-digit code your app shows now.', inputmode: 'numeric' }],
      submitLabel: 'Turn on',
      onSubmit: async ({ code = '' }) => showRecoveryCodes(await accountApi.confirmTotp(code.trim()), 'Two-step verification is on.'),
    });
    replaceChildren(
      body,
      h('h3', { tabindex: '-1' }, 'Scan the code with your authenticator app'),
      h(
        'figure',
        {},
        qrCodeSvg(enrolment.otpauthUrl, 'QR code to add this account to an authenticator app'),
        h('figcaption', {}, 'Or enter this key: ', h('code', { class: 'secret' }, enrolment.secret)),
      ),
      confirm,
    );
    focusFirst();
  }

  function showRecoveryCodes(codes: string[], heading: string): void {
    const done = h('button', { type: 'button', onclick: () => void context.reload() }, 'I have saved my recovery codes');
    replaceChildren(
      body,
      h('h3', { tabindex: '-1' }, heading),
      h('p', {}, 'Save these recovery codes somewhere safe. Each works once if you lose your phone. They are shown only now.'),
      h('ul', { class: 'recovery-codes', 'aria-label': 'Recovery codes' }, ...codes.map((code) => h('li', {}, h('code', {}, code)))),
      done,
    );
    focusFirst();
  }

  function showOn(): void {
    const regenerate = createForm({
      fields: [PASSWORD, CODE],
      submitLabel: 'Get new recovery codes',
      onSubmit: async ({ password = '', code = '' }) =>
        showRecoveryCodes(await accountApi.regenerateRecoveryCodes(password, code.trim()), 'New recovery codes'),
      messages: WRONG_PASSWORD,
    });
    const disable = createForm({
      fields: [PASSWORD, CODE],
      submitLabel: 'Turn off two-step verification',
      onSubmit: async ({ password = '', code = '' }) => {
        await accountApi.disableTotp(password, code.trim());
        await context.reload();
      },
      messages: WRONG_PASSWORD,
    });
    replaceChildren(
      body,
      h('p', {}, 'Two-step verification is on.'),
      h('h3', {}, 'Recovery codes'),
      regenerate,
      h('h3', {}, 'Turn off'),
      disable,
    );
  }

  return context.user.mfaEnabled ? showOn : showOff;
}

export const twoStepSection: AccountSection = {
  id: 'two-step',
  title: 'Two-step verification',
  render: (context) => {
    const body = h('div', {});
    twoStepView(body, context)();
    return body;
  },
};
