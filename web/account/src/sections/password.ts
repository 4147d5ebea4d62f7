import { accountApi } from '../account-api';
import { createForm } from '../forms';
import type { AccountSection } from './section';

export const passwordSection: AccountSection = {
  id: 'password',
  title: 'Password',
  render: () =>
    createForm({
      fields: [
        { name: 'currentPassword', label: 'Current password', type: 'password', autocomplete: 'current-password' },
        { name: 'newPassword', label: 'New password', type: 'password', autocomplete: 'new-password' },
      ],
      submitLabel: 'Change password',
      resetOnSuccess: true,
      onSubmit: async ({ currentPassword = '', newPassword = '' }) => {
        await accountApi.changePassword(currentPassword, newPassword);
        return 'Your password is changed. Every other device was signed out.';
      },
      messages: { INVALID_CREDENTIALS: () => 'Your current password is not right.' },
    }),
};
