import { accountApi } from './account-api';
import { h } from './dom';
import { createForm } from './forms';
import { isProblem } from './keyhold';
import { actionButton, createAnnouncer, showAccountBar, showPage } from './page';
import { otherSignInOptions } from './sign-in-options';

export interface SignedOutOptions {
  /** Said at the top, e.g. why the person is here ("You are signed out."). */
  notice?: string;
  onSignedIn: () => void;
}

function notice(text: string | undefined): HTMLElement {
  return h('p', { class: 'notice', role: 'status' }, text ?? '');
}

/** Leaving the sign-in form also ends the passkey autofill it started. */
function switchTo(label: string, show: () => void): HTMLButtonElement {
  const leave = () => {
    void accountApi.cancelPasskeyCeremony();
    show();
  };
  return h('button', { type: 'button', class: 'link', onclick: leave }, label);
}

const EMAIL = { name: 'email', label: 'E-mail address', type: 'email', autocomplete: 'email' } as const;

/** The second step of a sign-in with two-step verification on (after a password or a provider). */
export function showMfaStep(verify: (code: string) => Promise<unknown>, options: SignedOutOptions): void {
  const form = createForm({
    fields: [
      {
        name: 'code',
        label: 'Authentication code',
        hint: 'The 6-digit code from your authenticator app, or one of your recovery codes.',
        autocomplete: 'one-time-code',
      },
    ],
    submitLabel: 'Verify',
    onSubmit: async ({ code }) => {
      await verify((code ?? '').trim());
      options.onSignedIn();
    },
    messages: { MFA_TOKEN_INVALID: () => 'This sign-in attempt has expired or had too many wrong codes. Sign in again.' },
  });
  showPage(
    'Two-step verification',
    form,
    switchTo('Start over', () => showSignIn(options)),
  );
}

/** An unconfirmed account (REQUIRE_VERIFIED_EMAIL) gets a way to a new link right where it was refused. */
function offerNewConfirmationLink(container: HTMLElement, email: string): void {
  const announcer = createAnnouncer();
  const resend = actionButton(
    'Send the confirmation link again',
    async () => {
      await accountApi.resendVerificationTo(email);
      return `If ${email} has an account waiting for confirmation, we sent it a new link.`;
    },
    announcer,
  );
  container.replaceChildren(resend, announcer.element);
}

export function showSignIn(options: SignedOutOptions): void {
  showAccountBar(null);
  const unconfirmed = h('div', {});
  const form = createForm({
    // "webauthn": the browser may offer the account's passkeys in this field's autofill (conditional UI).
    fields: [
      { ...EMAIL, autocomplete: 'username webauthn' },
      { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
    ],
    submitLabel: 'Sign in',
    onSubmit: async ({ email = '', password = '' }) => {
      unconfirmed.replaceChildren();
      try {
        const result = await accountApi.signIn(email.trim(), password);
        void accountApi.cancelPasskeyCeremony();
        if (result.status === 'mfaRequired') return showMfaStep(result.verify, options);
        options.onSignedIn();
      } catch (error) {
        if (isProblem(error, 'EMAIL_NOT_VERIFIED')) offerNewConfirmationLink(unconfirmed, email.trim());
        throw error;
      }
    },
  });
  showPage(
    'Sign in',
    notice(options.notice),
    form,
    unconfirmed,
    otherSignInOptions(options.onSignedIn),
    h(
      'p',
      { class: 'alternatives' },
      switchTo('Create an account', () => showSignUp(options)),
      switchTo('Forgot your password?', () => showForgotPassword(options)),
    ),
  );
}

export function showSignUp(options: SignedOutOptions): void {
  const form = createForm({
    fields: [
      { name: 'name', label: 'Name', autocomplete: 'name', optional: true },
      EMAIL,
      {
        name: 'password',
        label: 'Password',
        type: 'password',
        autocomplete: 'new-password',
        hint: 'A long passphrase works best; common passwords are refused.',
      },
    ],
    submitLabel: 'Create account',
    onSubmit: async ({ name = '', email = '', password = '' }) => {
      await accountApi.register({ email: email.trim(), password, ...(name.trim() ? { name: name.trim() } : {}) });
      showPage(
        'Check your inbox',
        h('p', { role: 'status' }, `We sent a confirmation link to ${email.trim()}. Open it to confirm your address, then sign in.`),
        switchTo('Sign in', () => showSignIn(options)),
      );
    },
  });
  showPage(
    'Create an account',
    form,
    h(
      'p',
      { class: 'alternatives' },
      switchTo('I already have an account', () => showSignIn(options)),
    ),
  );
}

export function showForgotPassword(options: SignedOutOptions): void {
  const form = createForm({
    fields: [EMAIL],
    submitLabel: 'Send reset link',
    resetOnSuccess: true,
    onSubmit: async ({ email = '' }) => {
      await accountApi.forgotPassword(email.trim());
      return 'If an account uses this address, we sent it a link to choose a new password. The link works for a short time.';
    },
  });
  showPage(
    'Forgot your password?',
    form,
    h(
      'p',
      { class: 'alternatives' },
      switchTo('Back to sign in', () => showSignIn(options)),
    ),
  );
}
