import type { KeyholdApi, Session, User } from './api-types.js';

/** The account flows by name, returning what matters (`data`), over the typed operations. */
export interface AccountHelpers {
  register(input: { email: string; password: string; name?: string }): Promise<User>;
  /** Always resolves (202) whether or not the address has an account. */
  requestPasswordReset(email: string): Promise<void>;
  resetPassword(input: { token: string; newPassword: string }): Promise<void>;
  verifyEmail(token: string): Promise<User>;
  resendVerificationEmail(email: string): Promise<void>;
  changePassword(input: { currentPassword: string; newPassword: string }): Promise<void>;
  startTotpEnrolment(password: string): Promise<{ secret: string; otpauthUrl: string }>;
  /** Turns MFA on; resolves to the recovery codes, shown once. */
  confirmTotpEnrolment(code: string): Promise<string[]>;
  disableTotp(input: { password: string; code: string }): Promise<void>;
  regenerateRecoveryCodes(input: { password: string; code: string }): Promise<string[]>;
  listSessions(): Promise<Session[]>;
  revokeSession(sessionId: string): Promise<void>;
}

export function createAccountHelpers(api: KeyholdApi): AccountHelpers {
  return {
    register: async (body) => (await api.register({ body })).data.user,
    requestPasswordReset: async (email) => void (await api.requestPasswordReset({ body: { email } })),
    resetPassword: async (body) => void (await api.resetPassword({ body })),
    verifyEmail: async (token) => (await api.verifyEmail({ body: { token } })).data.user,
    resendVerificationEmail: async (email) => void (await api.resendVerificationEmail({ body: { email } })),
    changePassword: async (body) => void (await api.changePassword({ body })),
    startTotpEnrolment: async (password) => (await api.startTotpEnrolment({ body: { password } })).data,
    confirmTotpEnrolment: async (code) => (await api.confirmTotpEnrolment({ body: { code } })).data.recoveryCodes,
    disableTotp: async (body) => void (await api.disableTotp({ body })),
    regenerateRecoveryCodes: async (body) => (await api.regenerateRecoveryCodes({ body })).data.recoveryCodes,
    listSessions: async () => (await api.listMySessions()).data,
    revokeSession: async (sessionId) => void (await api.revokeMySession({ path: { sessionId } })),
  };
}
