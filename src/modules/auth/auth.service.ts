import { randomBytes } from 'node:crypto';
import type { Config } from '../../config/env';
import { ForbiddenError, MfaRequiredError, UnauthenticatedError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import { credentialVersionOf } from '../../lib/credential-version';
import type { PasswordHasher } from '../../lib/password-hasher';
import type { AccountMailService, EmailVerificationService } from '../account-recovery';
import type { AuditService } from '../audit';
import type { AccessGrant, AccessTokenIssuer } from '../keys';
import type { Location } from '../geoip';
import type { PasskeySignInService } from '../passkeys';
import { invalidExchangeCode, type CodeGrant } from '../identities';
import { invalidMfaCode, invalidMfaToken, type MfaChallengeService, type MfaCodeService, type SecondFactor } from '../mfa';
import {
  type AuthMethod,
  type RefreshTokenService,
  type SessionRecord,
  type SessionService,
  type SessionView,
  toSessionView,
} from '../sessions';
import { type AuthContext, type PasswordPolicy, toUserView, type UserFields, type UserRecords, type UserView } from '../users';
import type { ResolveCaller } from './authenticate';
import type { DeviceTokens, IssuedDeviceToken } from './device-token';
import type { LoginSlot, LoginSubject, LoginThrottleService } from './login-throttle.service';

export interface GeoLookup {
  locate(ip: string): Location | null;
}

export interface IssuedRefreshToken {
  value: string;
  expiresAt: Date;
}

export interface LoginResult {
  accessToken: string;
  expiresIn: number;
  user: UserView;
  session: SessionView;
  refreshToken: IssuedRefreshToken;
  /** Set as the device cookie: this browser has completed a login to this account. */
  deviceToken: IssuedDeviceToken;
}

export interface RefreshResult {
  accessToken: string;
  expiresIn: number;
  /** Absent only when a replay within the grace cannot be given its successor (it was derived under another secret). */
  refreshToken?: IssuedRefreshToken;
}

/** The caller's connection, as far as the service needs to know it. */
export interface OpenConnection {
  isOpen(): boolean;
}

export interface AuthServiceDeps {
  config: Pick<Config, 'password' | 'mail'>;
  now: Clock;
  hasher: PasswordHasher;
  passwordPolicy: PasswordPolicy;
  accessTokens: AccessTokenIssuer;
  users: UserRecords;
  sessions: SessionService;
  resolveCaller: ResolveCaller;
  refreshTokens: RefreshTokenService;
  throttle: LoginThrottleService;
  deviceTokens: DeviceTokens;
  audit: AuditService;
  geo: GeoLookup;
  mfaChallenges: MfaChallengeService;
  mfaCodes: MfaCodeService;
  verification: Pick<EmailVerificationService, 'startVerification'>;
  accountMail: Pick<AccountMailService, 'sendNewLocationNotice'>;
  /** Voids an account's pending address changes (signing out everywhere is a remedy after a takeover). */
  voidPendingEmailChanges: (userId: string) => Promise<number>;
  passkeys: Pick<PasskeySignInService, 'startSignIn' | 'verifySignIn'>;
  /**
   * The one-time codes an OpenID provider's callback hands the browser: spends one, then runs `complete`
   * while the identity that signed in is still linked (the identities module, under the account's lock).
   */
  oauthCodes: { redeem<T>(code: string, binding: string | undefined, complete: (grant: CodeGrant) => Promise<T>): Promise<T> };
}

/** A sign-in factor checked elsewhere (a passkey, an identity provider): how it is audited, and its RFC 8176 methods. */
export interface VerifiedFactor {
  method: string;
  amr: AuthMethod[];
}

const PASSKEY: VerifiedFactor = { method: 'passkey', amr: ['pop', 'mfa'] };
const FEDERATED: VerifiedFactor = { method: 'oidc', amr: ['fed'] };

/** What an access token tells other services: who, which session, the role now, how and when the login happened. */
function grantOf(userId: string, role: string, session: SessionRecord): AccessGrant {
  return { userId, sessionId: session._id.toString(), role, amr: session.amr ?? ['pwd'], authTime: session.createdAt };
}

const invalidCredentials = (): UnauthenticatedError => new UnauthenticatedError('INVALID_CREDENTIALS', 'The email or password is wrong.');

export type AuthService = ReturnType<typeof createAuthService>;

/** Registration, login, refresh rotation and logout. */
export function createAuthService(deps: AuthServiceDeps) {
  const { hasher, sessions, refreshTokens, throttle, audit } = deps;
  // Unknown emails are checked against this so they cost the same bcrypt work as a wrong password.
  // Made once; if hashing was saturated then (503 BUSY), the next unknown email makes it again.
  let dummyHash = hasher.hash(randomBytes(24).toString('base64'));
  dummyHash.catch(() => undefined);
  const currentDummyHash = (): Promise<string> => dummyHash.catch(() => (dummyHash = hasher.hash(randomBytes(24).toString('base64'))));

  /** Creates an account with the default role. */
  async function register(input: { email: string; password: string; name?: string | null }, client: ClientInfo): Promise<UserView> {
    deps.passwordPolicy.assertAcceptable(input.password, input);
    const passwordHash = await hasher.hash(input.password);
    const user = await deps.users.createAccount({ email: input.email, passwordHash, name: input.name ?? null });
    const userId = user._id.toString();
    audit.record({ type: 'auth.register', actorId: userId, targetId: userId, ip: client.ip });
    await deps.verification.startVerification({ id: userId, email: user.email });
    return toUserView(user);
  }

  /** Compares within a reserved failure slot; a compare that never happened hands its slot back. */
  async function comparePassword(password: string, hash: string, slot: LoginSlot): Promise<boolean> {
    try {
      return await hasher.verify(password, hash);
    } catch (error) {
      await throttle.releaseAttempt(slot);
      throw error;
    }
  }

  /**
   * The password step of a login: reserves a failure slot, then compares. Returns the user and the
   * slot's key; the caller clears that key's failures only once the whole login has completed.
   */
  async function assertPassword(email: string, password: string, client: ClientInfo, presentedDeviceTokens: readonly string[]) {
    const user = await deps.users.findForLogin(email);
    const hash = user?.passwordHash ?? (await currentDummyHash());
    const device = user ? deps.deviceTokens.verify(presentedDeviceTokens, user._id.toString(), credentialVersionOf(user)) : null;
    const slot = await throttle.reserveAttempt({ email, device });
    if ((await comparePassword(password, hash, slot)) && user) {
      await throttle.releaseAttempt(slot);
      return { user, throttleKey: slot.key };
    }
    const targetId = user?._id.toString() ?? null;
    const { lockedForMs, lockStarted } = await throttle.recordFailure(slot);
    audit.record({ type: 'auth.login_failed', targetId, ip: client.ip, details: { lockedForMs } });
    if (lockStarted) audit.record({ type: 'auth.login_locked', targetId, ip: client.ip, details: { lockedForMs, scope: slot.scope } });
    throw invalidCredentials();
  }

  async function recordLoginLocation(
    user: { _id: SessionRecord['userId']; email: string; name?: string | null; emailVerified?: boolean | null },
    session: SessionRecord,
    location: Location | null,
    method: string | null,
  ): Promise<void> {
    const userId = user._id.toString();
    const base = { actorId: userId, targetId: userId, sessionId: session._id.toString(), ip: session.ip, location };
    audit.record({ type: 'auth.login', ...base, ...(method ? { details: { method } } : {}) });
    if (!location?.countryCode) return;
    if (await sessions.hasSignedInFrom(userId, location.countryCode, session._id)) return;
    audit.record({ type: 'auth.login_new_location', ...base, details: { countryCode: location.countryCode } });
    // The first located sign-in of an account sets its baseline; a mail about it would only be noise.
    if (await sessions.hasLocatedSignIn(userId, session._id)) {
      await deps.accountMail.sendNewLocationNotice(
        { id: userId, name: user.name, email: user.email, addressProven: user.emailVerified === true },
        { location, ip: session.ip ?? null, at: deps.now() },
      );
    }
  }

  /** Disabled accounts, and unverified ones while REQUIRE_VERIFIED_EMAIL is on, sign in by no means. */
  function assertMaySignIn(user: { status: string; emailVerified?: boolean | null }): void {
    if (user.status === 'disabled') throw new ForbiddenError('ACCOUNT_DISABLED', 'The account is disabled.');
    if (deps.config.mail.requireVerifiedEmail && !user.emailVerified) {
      throw new ForbiddenError('EMAIL_NOT_VERIFIED', 'Confirm your e-mail address first: use the link we sent, or ask for a new one.');
    }
  }

  /**
   * Completes a sign-in whose factor was verified elsewhere and needs no further step, exactly like a
   * password login: the account's checks, then session, tokens, device cookie and the audited login.
   */
  async function signInWithVerifiedFactor(userId: string, factor: VerifiedFactor, client: ClientInfo): Promise<LoginResult> {
    const user = await deps.users.findForSignIn(userId);
    if (!user) throw invalidCredentials();
    assertMaySignIn(user);
    return completeLogin(user, null, client, factor.amr, factor.method);
  }

  /** Passwordless sign-in, step 1: options for the browser's discoverable passkeys, and their challenge's id. */
  const startPasskeySignIn = () => deps.passkeys.startSignIn();

  /** Step 2: the passkeys module checks the assertion (user verification required, so it counts as MFA). */
  async function signInWithPasskey(input: Parameters<typeof deps.passkeys.verifySignIn>[0], client: ClientInfo): Promise<LoginResult> {
    const { userId } = await deps.passkeys.verifySignIn(input, client);
    return signInWithVerifiedFactor(userId, PASSKEY, client);
  }

  /**
   * Checks the password, opens a session and issues an access token, the first refresh token and a
   * device cookie. A valid device cookie of the account lets its browser past a lock others caused.
   * An account with MFA gets 403 MFA_REQUIRED with an mfaToken instead: no session, failures kept.
   */
  async function login(
    input: { email: string; password: string },
    client: ClientInfo,
    presentedDeviceTokens: readonly string[] = [],
  ): Promise<LoginResult> {
    const { user, throttleKey } = await assertPassword(input.email, input.password, client, presentedDeviceTokens);
    assertMaySignIn(user);
    if (user.mfaEnabled) {
      const login = { userId: user._id.toString(), throttleKey, credentialVersion: credentialVersionOf(user) };
      throw new MfaRequiredError(await deps.mfaChallenges.issue(login));
    }
    return completeLogin(user, throttleKey, client, ['pwd']);
  }

  /**
   * The second step of an MFA login: a code checked under the mfaToken's budget of attempts and the
   * login-failure budget (a wrong code counts like a wrong password, on the account or on the presented
   * device cookie), then the login completes.
   */
  async function verifyMfa(
    input: { mfaToken: string; code: string },
    client: ClientInfo,
    presentedDeviceTokens: readonly string[] = [],
  ): Promise<LoginResult> {
    const challenge = await deps.mfaChallenges.reserveAttempt(input.mfaToken);
    const user = await deps.users.findForSignIn(challenge.userId);
    // A credential change since the password step (change, reset) voids the pending login.
    if (!user || credentialVersionOf(user) !== challenge.credentialVersion) throw invalidMfaToken();
    if (user.status === 'disabled') throw new ForbiddenError('ACCOUNT_DISABLED', 'The account is disabled.');
    const device = deps.deviceTokens.verify(presentedDeviceTokens, challenge.userId, challenge.credentialVersion);
    const factor = await spendSecondFactor({ email: user.email, device }, challenge.userId, input.code, client);
    await deps.mfaChallenges.spend(input.mfaToken);
    if (factor === 'recovery_code') {
      audit.record({ type: 'auth.recovery_code_used', actorId: challenge.userId, targetId: challenge.userId, ip: client.ip });
    }
    // The session carries the version the password was checked under: a password change since then ends it at once.
    const amr: AuthMethod[] = [challenge.firstFactor, 'otp'];
    const method = challenge.firstFactor === 'fed' ? FEDERATED.method : null;
    return completeLogin({ ...user, credentialVersion: challenge.credentialVersion }, challenge.throttleKey, client, amr, method);
  }

  /**
   * Completes a sign-in an OpenID provider vouched for, given the one-time code its callback handed this
   * browser: the checks a password login makes after its password step, then a session with amr ["fed"]
   * (or 403 MFA_REQUIRED carrying the returnTo, whose step then adds "otp"). No login failures are cleared: no password was checked.
   */
  async function exchangeOAuthCode(
    code: string,
    binding: string | undefined,
    client: ClientInfo,
  ): Promise<LoginResult & { returnTo: string }> {
    return deps.oauthCodes.redeem(code, binding, async ({ userId, returnTo }) => {
      const user = await deps.users.findForSignIn(userId);
      if (!user) throw invalidExchangeCode();
      assertMaySignIn(user);
      if (user.mfaEnabled) {
        const login = { userId, throttleKey: null, credentialVersion: credentialVersionOf(user), firstFactor: 'fed' as const };
        throw new MfaRequiredError(await deps.mfaChallenges.issue(login), { returnTo });
      }
      return { ...(await completeLogin(user, null, client, FEDERATED.amr, FEDERATED.method)), returnTo };
    });
  }

  async function spendSecondFactor(subject: LoginSubject, userId: string, code: string, client: ClientInfo): Promise<SecondFactor> {
    const slot = await throttle.reserveAttempt(subject);
    let factor: SecondFactor | null;
    try {
      factor = await deps.mfaCodes.spendCode(userId, code);
    } catch (error) {
      await throttle.releaseAttempt(slot);
      throw error;
    }
    if (factor) {
      await throttle.releaseAttempt(slot);
      return factor;
    }
    const { lockedForMs, lockStarted } = await throttle.recordFailure(slot);
    audit.record({ type: 'auth.mfa_failed', targetId: userId, ip: client.ip, details: { lockedForMs } });
    if (lockStarted)
      audit.record({ type: 'auth.login_locked', targetId: userId, ip: client.ip, details: { lockedForMs, scope: slot.scope } });
    throw invalidMfaCode();
  }

  /** The end of every login that passed all its checks: failures cleared, session, tokens, device cookie. */
  async function completeLogin(
    user: UserFields & { credentialVersion?: number },
    throttleKey: string | null,
    client: ClientInfo,
    amr: AuthMethod[],
    method: string | null = null,
  ): Promise<LoginResult> {
    if (throttleKey) await throttle.clearFailures(throttleKey);
    const userId = user._id.toString();
    const location = client.ip ? deps.geo.locate(client.ip) : null;
    const session = await sessions.startSession(userId, client, location, credentialVersionOf(user), amr);
    const refreshToken = await refreshTokens.issueToken(session);
    const now = deps.now();
    await deps.users.recordLogin(userId, now);
    await recordLoginLocation(user, session, location, method);
    const access = await deps.accessTokens.sign(grantOf(userId, user.role, session));
    return {
      accessToken: access.token,
      expiresIn: access.expiresIn,
      user: toUserView({ ...user, lastLoginAt: now }),
      session: toSessionView(session, session._id.toString()),
      refreshToken: { value: refreshToken, expiresAt: session.expiresAt },
      deviceToken: deps.deviceTokens.issue(userId, credentialVersionOf(user)),
    };
  }

  async function rejectReuse(
    token: { sessionId: SessionRecord['_id']; userId: SessionRecord['userId'] },
    client: ClientInfo,
  ): Promise<never> {
    await sessions.revokeSession(token.sessionId, 'refresh_reuse');
    audit.record({ type: 'auth.refresh_reuse', targetId: token.userId.toString(), sessionId: token.sessionId.toString(), ip: client.ip });
    throw new UnauthenticatedError('REFRESH_TOKEN_REUSED', 'This refresh token was already used; the session has been ended.');
  }

  /**
   * Rotates a refresh token: a new access token and the token's successor; a replay within the grace
   * period (or of a rotation whose answer is not on record) gets the same successor again, and a
   * proven replay ends the session.
   */
  async function refresh(token: string | undefined, client: ClientInfo, connection?: OpenConnection): Promise<RefreshResult> {
    const consumption = await refreshTokens.consumeToken(token);
    if (consumption.outcome === 'reused') return rejectReuse(consumption.token, client);
    // The same check as every access token's: the session slides, and an ended session or account stops here.
    const { session, userId, sessionId, role } = await deps.resolveCaller({
      userId: consumption.token.userId.toString(),
      sessionId: consumption.token.sessionId.toString(),
    });
    const access = await deps.accessTokens.sign(grantOf(userId, role, session));
    // Last, after everything that could still fail, and only while the client still waits (not timed out,
    // not reset): an answer that cannot arrive must not put the spend on record.
    if (connection?.isOpen() ?? true) await refreshTokens.recordSpend(consumption);
    if (consumption.outcome === 'grace') {
      const details = { spendRecorded: consumption.spendRecorded, successorSent: consumption.successor !== null };
      audit.record({ type: 'auth.refresh_grace_used', actorId: userId, targetId: userId, sessionId, ip: client.ip, details });
    }
    const refreshToken = consumption.successor ? { value: consumption.successor, expiresAt: session.expiresAt } : undefined;
    return { accessToken: access.token, expiresIn: access.expiresIn, ...(refreshToken ? { refreshToken } : {}) };
  }

  async function sessionOfAccessToken(token: string): Promise<{ sessionId: string; userId: string } | null> {
    try {
      return await deps.accessTokens.verify(token);
    } catch {
      return null;
    }
  }

  /** Ends the session named by the refresh cookie and/or the bearer token; idempotent. */
  async function logout(credentials: { refreshToken?: string; accessToken?: string }, client: ClientInfo): Promise<void> {
    const targets = [
      credentials.refreshToken ? await refreshTokens.sessionOfToken(credentials.refreshToken) : null,
      credentials.accessToken ? await sessionOfAccessToken(credentials.accessToken) : null,
    ];
    const seen = new Set<string>();
    for (const target of targets) {
      if (!target || seen.has(target.sessionId)) continue;
      seen.add(target.sessionId);
      if (await sessions.revokeSession(target.sessionId, 'logout', target.userId)) {
        audit.record({ type: 'auth.logout', actorId: target.userId, targetId: target.userId, sessionId: target.sessionId, ip: client.ip });
      }
    }
  }

  /** Ends every session of the caller and voids the account's pending address changes. */
  async function logoutAll(auth: AuthContext, client: ClientInfo): Promise<void> {
    const count = await sessions.revokeAllUserSessions(auth.userId, 'logout_all');
    const voidedEmailChanges = await deps.voidPendingEmailChanges(auth.userId);
    audit.record({
      type: 'auth.logout_all',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { sessions: count, voidedEmailChanges },
    });
  }

  return {
    register,
    login,
    verifyMfa,
    startPasskeySignIn,
    signInWithPasskey,
    signInWithVerifiedFactor,
    exchangeOAuthCode,
    refresh,
    logout,
    logoutAll,
  };
}
