import type { Passkey } from '@keyhold/client';
import { accountApi } from '../account-api';
import { formatTime, h, replaceChildren } from '../dom';
import { createForm } from '../forms';
import { actionButton, createAnnouncer } from '../page';
import type { AccountSection } from './section';

/** The page cannot tell whether the account has a password (the user view does not say), so the field is optional. */
const WRONG_PASSWORD = { INVALID_CREDENTIALS: () => 'Your password is not right, or your last sign-in is too long ago: sign in again.' };

/** The account's passkeys: each with its dates and whether it is synced, to rename or remove; and a way to add one. */
function passkeysView(list: HTMLElement, announcer: ReturnType<typeof createAnnouncer>) {
  async function load(): Promise<void> {
    const passkeys = await accountApi.listPasskeys();
    replaceChildren(list, ...(passkeys.length === 0 ? [h('li', {}, 'You have no passkeys yet.')] : passkeys.map(passkeyItem)));
  }

  function passkeyItem(passkey: Passkey): HTMLElement {
    const rename = createForm({
      fields: [{ name: 'name', label: `New name for ${passkey.name}`, autocomplete: 'off' }],
      submitLabel: 'Rename',
      onSubmit: async ({ name = '' }) => {
        const renamed = await accountApi.renamePasskey(passkey.id, name.trim());
        await load();
        announcer.success(`The passkey is now called ${renamed.name}.`);
      },
    });
    const remove = actionButton(
      'Remove',
      async () => {
        await accountApi.removePasskey(passkey.id);
        await load();
        return `${passkey.name} is removed.`;
      },
      announcer,
      { class: 'danger', 'aria-label': `Remove passkey ${passkey.name}` },
    );
    return h(
      'li',
      { class: 'passkey', 'data-passkey-id': passkey.id },
      h('p', {}, h('strong', {}, passkey.name), passkey.backedUp ? h('span', { class: 'badge' }, 'Synced') : null),
      h('p', { class: 'hint' }, `Added ${formatTime(passkey.createdAt)} · last used ${formatTime(passkey.lastUsedAt)}`),
      rename,
      remove,
    );
  }

  return load;
}

export const passkeysSection: AccountSection = {
  id: 'passkeys',
  title: 'Passkeys',
  render: () => {
    const announcer = createAnnouncer();
    const list = h('ul', { class: 'passkeys' });
    const load = passkeysView(list, announcer);
    load().catch(announcer.failure);
    const add = h('div', {});
    void accountApi.passkeysSupported().then((supported) => {
      if (!supported) return replaceChildren(add, h('p', { class: 'hint' }, 'This browser cannot create passkeys.'));
      const form = createForm({
        fields: [
          {
            name: 'password',
            label: 'Password',
            type: 'password',
            autocomplete: 'current-password',
            optional: true,
            hint: 'To confirm it is you. Leave it empty if your account has no password and you signed in a few minutes ago.',
          },
          { name: 'name', label: 'Name of the passkey', autocomplete: 'off', optional: true, hint: 'E.g. the device it is on.' },
        ],
        submitLabel: 'Add a passkey',
        resetOnSuccess: true,
        onSubmit: async ({ password = '', name = '' }) => {
          const added = await accountApi.addPasskey(password, name.trim());
          await load();
          return `${added.name} is added. You can now sign in with it.`;
        },
        messages: WRONG_PASSWORD,
      });
      replaceChildren(add, h('h3', {}, 'Add a passkey'), form);
    });
    return h(
      'div',
      {},
      h('p', {}, 'Sign in with your fingerprint, face or device PIN instead of a password.'),
      list,
      announcer.element,
      add,
    );
  },
};
