import type { LoginResult, Session, User } from '@keyhold/client';
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
};
