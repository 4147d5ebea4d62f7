import type { LinkedIdentity, LoginResult, OAuthCompletion, OAuthProvider, Passkey, Session, User } from '@keyhold/client';
import { client } from './keyhold';

/**
 * Every call the pages make, each through @keyhold/client: its account helpers where it has one, else
 * the typed operation of the OpenAPI document. Views read as flows and never build a request.
 */
export const accountApi = {
  signIn: (email: string, password: string): Promise<LoginResult> => client.login({ email, password }),
  register: (input: { email: string; password: string; name?: string }) => client.register(input),
  forgotPassword: (email: string) => client.requestPasswordReset(email),
  resetPassword: (token: string, newPassword: string) => client.resetPassword({ token, newPassword }),
  verifyEmail: (token: string) => client.verifyEmail(token),
  revertEmail: async (token: string): Promise<void> => void (await client.api.revertEmailChange({ body: { token } })),
  /** Resumes a session from the refresh cookie, if there is one. */
  restore: async (): Promise<boolean> => (await client.restore()).status === 'signedIn',
  me: async (): Promise<User> => (await client.me()).user,
  updateName: async (name: string): Promise<void> => void (await client.api.updateMe({ body: { name } })),
  requestEmailChange: async (body: { newEmail: string; password: string; code?: string }): Promise<void> =>
    void (await client.api.requestEmailChange({ body })),
  /** Public and silent (202 whatever the address): for accounts REQUIRE_VERIFIED_EMAIL keeps out. */
  resendVerificationTo: (email: string) => client.resendVerificationEmail(email),
  resendVerification: async (): Promise<void> => void (await client.api.sendMyVerificationEmail()),
  changePassword: (currentPassword: string, newPassword: string) => client.changePassword({ currentPassword, newPassword }),
  startTotp: (password: string) => client.startTotpEnrolment(password),
  confirmTotp: (code: string) => client.confirmTotpEnrolment(code),
  disableTotp: (password: string, code: string) => client.disableTotp({ password, code }),
  regenerateRecoveryCodes: (password: string, code: string) => client.regenerateRecoveryCodes({ password, code }),
  listSessions: (): Promise<Session[]> => client.listSessions(),
  revokeSession: (sessionId: string) => client.revokeSession(sessionId),
  signOutEverywhere: () => client.logoutAll(),
  signOut: () => client.logout(),
  onSignedOut: (listener: () => void) => client.on('signedOut', listener),
  passkeysSupported: () => client.passkeys.supported(),
  passkeyAutofillSupported: () => client.passkeys.autofillSupported(),
  /** Resolves once a passkey signed in; with `conditional`, only when one is picked from the e-mail field's autofill. */
  signInWithPasskey: async (conditional: boolean): Promise<void> => void (await client.signInWithPasskey({ conditional })),
  /** Ends a pending passkey ceremony (the autofill one, when the sign-in form is left). */
  cancelPasskeyCeremony: () => client.passkeys.cancel(),
  addPasskey: (password: string, name: string): Promise<Passkey> => client.passkeys.register({ password, ...(name ? { name } : {}) }),
  listPasskeys: (): Promise<Passkey[]> => client.passkeys.list(),
  renamePasskey: (id: string, name: string): Promise<Passkey> => client.passkeys.rename(id, name),
  removePasskey: (id: string) => client.passkeys.remove(id),
  providers: (): Promise<OAuthProvider[]> => client.oauth.providers(),
  /** Leaves for the provider (a top-level navigation); it comes back to /account/oauth-complete. */
  signInWithProvider: (provider: string) => client.oauth.signInWith(provider, '/account/'),
  completeProviderSignIn: (code: string): Promise<OAuthCompletion> => client.oauth.complete(code),
  identities: (): Promise<LinkedIdentity[]> => client.oauth.identities(),
  startIdentityLink: (provider: string, password: string): Promise<string> => client.oauth.startIdentityLink(provider, password),
  unlinkIdentity: (provider: string) => client.oauth.unlink(provider),
};
