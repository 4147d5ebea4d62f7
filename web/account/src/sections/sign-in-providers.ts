import type { LinkedIdentity, OAuthProvider } from '@keyhold/client';
import { accountApi } from '../account-api';
import { formatTime, h, replaceChildren } from '../dom';
import { createForm } from '../forms';
import { actionButton, createAnnouncer } from '../page';
import type { AccountSection } from './section';

/** The providers linked to the account (each to unlink), and the configured ones not linked yet (each to link). */
function providersView(body: HTMLElement, announcer: ReturnType<typeof createAnnouncer>) {
  async function load(): Promise<void> {
    const [providers, linked] = await Promise.all([accountApi.providers(), accountApi.identities()]);
    const nameOf = (id: string) => providers.find((provider) => provider.id === id)?.name ?? id;
    const unlinked = providers.filter((provider) => !linked.some((identity) => identity.provider === provider.id));
    if (providers.length === 0 && linked.length === 0)
      return replaceChildren(body, h('p', {}, 'This service offers no sign-in providers.'));
    replaceChildren(
      body,
      h(
        'ul',
        { class: 'identities' },
        ...(linked.length === 0 ? [h('li', {}, 'No provider is linked.')] : linked.map((identity) => linkedItem(identity, nameOf))),
      ),
      ...unlinked.map(linkForm),
    );
  }

  function linkedItem(identity: LinkedIdentity, nameOf: (id: string) => string): HTMLElement {
    const name = nameOf(identity.provider);
    const unlink = actionButton(
      'Unlink',
      async () => {
        await accountApi.unlinkIdentity(identity.provider);
        await load();
        return `${name} is unlinked.`;
      },
      announcer,
      { class: 'danger', 'aria-label': `Unlink ${name}` },
    );
    return h(
      'li',
      { class: 'identity', 'data-provider': identity.provider },
      h('p', {}, h('strong', {}, name), ` · ${identity.email ?? 'no address'}`),
      h('p', { class: 'hint' }, `Linked ${formatTime(identity.linkedAt)}`),
      unlink,
    );
  }

  /** Linking leaves for the provider (a top-level navigation), which comes back to /account/oauth-complete. */
  function linkForm(provider: OAuthProvider): HTMLElement {
    return createForm({
      fields: [
        {
          name: 'password',
          label: `Password to link ${provider.name}`,
          type: 'password',
          autocomplete: 'current-password',
          optional: true,
          hint: 'Leave it empty if your account has no password and you signed in a few minutes ago.',
        },
      ],
      submitLabel: `Link ${provider.name}`,
      onSubmit: async ({ password = '' }) => window.location.assign(await accountApi.startIdentityLink(provider.id, password)),
      messages: { INVALID_CREDENTIALS: () => 'Your password is not right, or your last sign-in is too long ago: sign in again.' },
    });
  }

  return load;
}

export const signInProvidersSection: AccountSection = {
  id: 'sign-in-providers',
  title: 'Sign-in providers',
  render: () => {
    const announcer = createAnnouncer();
    const body = h('div', {});
    providersView(body, announcer)().catch(announcer.failure);
    return h('div', {}, body, announcer.element);
  },
};
