import { accountApi } from '../account-api';
import { h } from '../dom';
import { createForm, type FieldSpec } from '../forms';
import { actionButton, createAnnouncer } from '../page';
import type { AccountSection } from './section';

const CODE_FIELD: FieldSpec = {
  name: 'code',
  label: 'Authentication code',
  autocomplete: 'one-time-code',
  hint: 'From your authenticator app, or a recovery code.',
};

export const emailSection: AccountSection = {
  id: 'email',
  title: 'E-mail address',
  render: ({ user }) => {
    const announcer = createAnnouncer();
    const current = h(
      'p',
      {},
      'Your address is ',
      h('strong', {}, user.email),
      user.emailVerified ? ' (confirmed).' : ' (not confirmed yet).',
    );
    const resend = user.emailVerified
      ? null
      : actionButton(
          'Send the confirmation link again',
          async () => {
            await accountApi.resendVerification();
            return `We sent a confirmation link to ${user.email}.`;
          },
          announcer,
        );
    const form = createForm({
      fields: [
        { name: 'newEmail', label: 'New e-mail address', type: 'email', autocomplete: 'email' },
        { name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password' },
        ...(user.mfaEnabled ? [CODE_FIELD] : []),
      ],
      submitLabel: 'Change address',
      resetOnSuccess: true,
      onSubmit: async ({ newEmail = '', password = '', code }) => {
        await accountApi.requestEmailChange({ newEmail: newEmail.trim(), password, ...(code ? { code: code.trim() } : {}) });
        return `We sent a link to ${newEmail.trim()}. Your address changes when you open it.`;
      },
      messages: { INVALID_CREDENTIALS: () => 'Your password is not right.' },
    });
    return h('div', {}, current, resend, announcer.element, form);
  },
};
