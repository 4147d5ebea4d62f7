import { accountApi } from './account-api';
import { h, replaceChildren } from './dom';
import { createAnnouncer } from './page';
import { passkeyCeremonyMessage } from './messages';

/**
 * The sign-in view's ways in besides the password: "Sign in with a passkey", the passkeys offered in
 * the e-mail field's autofill (conditional UI) where the browser supports it, and one
 * "Continue with <provider>" button per configured OpenID provider (none configured: no buttons).
 */
export function otherSignInOptions(onSignedIn: () => void): HTMLElement {
  const announcer = createAnnouncer({
    INVALID_CREDENTIALS: () => 'This passkey is not known here: it may have been removed. Sign in another way.',
  });
  const passkey = h('div', { class: 'passkey-sign-in' });
  const providers = h('div', { class: 'providers' });

  async function signInWithPasskey(conditional: boolean): Promise<void> {
    try {
      await accountApi.signInWithPasskey(conditional);
      onSignedIn();
    } catch (error) {
      // The autofill ceremony ends quietly when the page leaves the form or the button starts another one.
      if (conditional && passkeyCeremonyMessage(error) !== undefined) return;
      announcer.failure(error);
    }
  }

  void accountApi.passkeysSupported().then((supported) => {
    if (!supported) return;
    const button = h('button', { type: 'button', class: 'secondary' }, 'Sign in with a passkey');
    button.addEventListener('click', () => {
      button.setAttribute('aria-busy', 'true');
      void signInWithPasskey(false).finally(() => button.removeAttribute('aria-busy'));
    });
    replaceChildren(passkey, button);
  });
  // The e-mail field (autocomplete="username webauthn") is in the page by now: the autofill ceremony needs it.
  void accountApi.passkeyAutofillSupported().then(async (supported) => {
    if (supported) await signInWithPasskey(true);
  });

  accountApi
    .providers()
    .then(
      (list) =>
        replaceChildren(
          providers,
          ...list.map((provider) =>
            h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => accountApi.signInWithProvider(provider.id) },
              `Continue with ${provider.name}`,
            ),
          ),
        ),
      announcer.failure,
    );
  return h('div', { class: 'sign-in-options' }, passkey, providers, announcer.element);
}
