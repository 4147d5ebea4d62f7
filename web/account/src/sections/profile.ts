import { accountApi } from '../account-api';
import { createForm } from '../forms';
import type { AccountSection } from './section';

export const profileSection: AccountSection = {
  id: 'profile',
  title: 'Profile',
  render: ({ user }) => {
    const form = createForm({
      fields: [{ name: 'name', label: 'Name', autocomplete: 'name' }],
      submitLabel: 'Save name',
      onSubmit: async ({ name = '' }) => {
        await accountApi.updateName(name.trim());
        return 'Your name is saved.';
      },
    });
    const input = form.elements.namedItem('name');
    if (input instanceof HTMLInputElement) input.value = user.name ?? '';
    return form;
  },
};
