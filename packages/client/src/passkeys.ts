import type { KeyholdApi, OperationInput, OperationResult } from './api-types.js';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import type { components } from './generated/openapi.js';

export type Passkey = components['schemas']['Passkey'];

/**
 * The WebAuthn ceremony library is loaded on first use: a page that never touches a passkey never pays
 * for it, and in Node (where no ceremony can run) it is never imported.
 */
const webAuthn = () => import('@simplewebauthn/browser');

/*
 * The document describes the WebAuthn JSON loosely (open objects), the library precisely; both are the
 * WebAuthn Level 3 JSON forms (the service builds them with @simplewebauthn/server), so these only restate
 * the type of the same value.
 */
const creationOptions = (options: object) => options as PublicKeyCredentialCreationOptionsJSON;
const requestOptions = (options: object) => options as PublicKeyCredentialRequestOptionsJSON;
const asDocumentJson = <T>(response: RegistrationResponseJSON | AuthenticationResponseJSON) => response as unknown as T;
type RegisterBody = OperationInput<'registerPasskey'>['body'];
type AssertionBody = OperationInput<'signInWithPasskey'>['body'];

/** Adding, listing, renaming and removing the caller's passkeys; the ceremonies need a browser. */
export interface PasskeyHelpers {
  /** Whether this browser can create and use passkeys at all. */
  supported(): Promise<boolean>;
  /** Whether this browser offers passkeys in the autofill of a field with `autocomplete="username webauthn"`. */
  autofillSupported(): Promise<boolean>;
  /**
   * Re-authenticates with the password (an account without one leaves it out: a sign-in within the last
   * 5 minutes stands in), runs the browser's ceremony and stores the new passkey.
   */
  register(input: { password?: string; name?: string }): Promise<Passkey>;
  list(): Promise<Passkey[]>;
  rename(id: string, name: string): Promise<Passkey>;
  /** Rejects with `LAST_SIGN_IN_METHOD` (409) when nothing else could sign the account in. */
  remove(id: string): Promise<void>;
  /** Ends a pending ceremony (e.g. the autofill one when the person leaves the sign-in form). */
  cancel(): Promise<void>;
}

export function createPasskeyHelpers(api: KeyholdApi): PasskeyHelpers {
  return {
    supported: async () => (await webAuthn()).browserSupportsWebAuthn(),
    autofillSupported: async () => (await webAuthn()).browserSupportsWebAuthnAutofill(),
    async register({ password = '', name }) {
      const { options } = (await api.createPasskeyRegistrationOptions({ body: { password } })).data;
      const response = await (await webAuthn()).startRegistration({ optionsJSON: creationOptions(options) });
      const body: RegisterBody = { response: asDocumentJson<RegisterBody['response']>(response), ...(name ? { name } : {}) };
      return (await api.registerPasskey({ body })).data.passkey;
    },
    list: async () => (await api.listMyPasskeys()).data,
    rename: async (id, name) => (await api.renamePasskey({ path: { id }, body: { name } })).data.passkey,
    remove: async (id) => void (await api.deletePasskey({ path: { id } })),
    cancel: async () => (await webAuthn()).WebAuthnAbortService.cancelCeremony(),
  };
}

/**
 * The browser's side of a passkey sign-in: options from the service, the ceremony (in the autofill of
 * the username field when `conditional`), and the verification, whose answer is a login body.
 */
export async function passkeyAssertion(api: KeyholdApi, conditional: boolean): Promise<OperationResult<'signInWithPasskey'>> {
  const { options, challengeId } = (await api.getPasskeySignInOptions({ body: {} })).data;
  const response = await (await webAuthn()).startAuthentication({ optionsJSON: requestOptions(options), useBrowserAutofill: conditional });
  return api.signInWithPasskey({ body: { challengeId, response: asDocumentJson<AssertionBody['response']>(response) } });
}
