import { generateRegistrationOptions, verifyRegistrationResponse, type RegistrationResponseJSON } from '@simplewebauthn/server';
import { COSEALG } from '@simplewebauthn/server/helpers';
import type { Config } from '../../config/env';
import { AppError, ConflictError, NotFoundError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import { logger } from '../../lib/logger';
import type { AuditService } from '../audit';
import type { AuthContext, UserRecords } from '../users';
import type { PasskeyChallengeService } from './passkey-challenge.service';
import { recipientOf, type PasskeyNotifier } from './passkey-notifier';
import type { PasskeyStore } from './passkey-store';
import { signInMethodsLock, type WithLock } from './passkeys.service';
import { toPasskeyView, type PasskeyView } from './passkey.view';

/**
 * The same algorithms on every Node: the library adds ML-DSA-44 where the runtime has it (Node 24), whose
 * 2.4 kB signatures an authenticator would then use, so a passkey made there would not verify on Node 20.
 */
const SUPPORTED_ALGORITHMS = [COSEALG.EdDSA, COSEALG.ES256, COSEALG.RS256];

export const invalidPasskey = (detail: string): AppError => new AppError(400, 'PASSKEY_INVALID', detail);

const limitReached = (max: number): ConflictError =>
  new ConflictError('PASSKEY_LIMIT_REACHED', `You have ${max} passkeys, the most allowed; remove one first.`);

/**
 * Confirms the caller is the account's owner before a passkey can be added: the password, or for an
 * account without one (made through a sign-in provider) a session signed in within the last 5 minutes.
 */
export type ConfirmOwner = (auth: AuthContext, proof: { password: string }, client: ClientInfo) => Promise<void>;

const DEFAULT_NAME = 'Passkey';
const REFUSED =
  'The passkey response was not accepted: no pending, an expired or a used challenge, another origin or RP id, or no user verification.';

/** The WebAuthn user handle of an account: its id's 12 bytes, so a sign-in's userHandle names the account. */
export const userHandleOf = (userId: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(userId, 'hex'));

/**
 * Runs the library's verification with the challenge spent inside it. A database failure while spending
 * must stay a 503, not become "invalid passkey": it is kept apart from the library's own refusals.
 */
async function verifySpendingChallenge<T>(
  verify: (spend: (challenge: string) => Promise<boolean>) => Promise<T>,
  spend: (challenge: string) => Promise<boolean>,
) {
  let storageFailure: unknown;
  const guardedSpend = async (challenge: string) => {
    try {
      return await spend(challenge);
    } catch (error) {
      storageFailure = error;
      throw error;
    }
  };
  try {
    return await verify(guardedSpend);
  } catch (error) {
    if (storageFailure) throw storageFailure;
    // The library's reason names what it expected (origins, RP id): the log keeps it, the client gets the contract's words.
    logger.info('passkey registration refused', { reason: error instanceof Error ? error.message : String(error) });
    throw invalidPasskey(REFUSED);
  }
}

export type PasskeyRegistrationService = ReturnType<typeof createPasskeyRegistrationService>;

/** Adding a passkey: options behind re-authentication, then the browser's response checked and stored. */
export function createPasskeyRegistrationService(deps: {
  relyingParty: Config['webauthn'];
  challenges: PasskeyChallengeService;
  store: PasskeyStore;
  users: Pick<UserRecords, 'findForSignIn'>;
  confirmOwner: ConfirmOwner;
  withLock: WithLock;
  audit: AuditService;
  notify: PasskeyNotifier;
}) {
  const { relyingParty, challenges, store, audit } = deps;
  const max = relyingParty.maxPasskeys;

  /**
   * Re-authenticates the caller, then returns creation options for a discoverable, user-verified
   * passkey that excludes the ones the account has, and stores their challenge for this account.
   * An account at WEBAUTHN_MAX_PASSKEYS is refused first: no password to type for a ceremony that
   * would fail. That check is a courtesy; the one that holds is register's.
   */
  async function startRegistration(auth: AuthContext, proof: { password: string }, client: ClientInfo) {
    const existing = await store.listOf(auth.userId);
    if (existing.length >= max) throw limitReached(max);
    await deps.confirmOwner(auth, proof, client);
    const user = await deps.users.findForSignIn(auth.userId);
    if (!user) throw new NotFoundError('The account no longer exists.');
    const options = await generateRegistrationOptions({
      rpName: relyingParty.rpName,
      rpID: relyingParty.rpId,
      userName: user.email,
      userDisplayName: user.name ?? user.email,
      userID: userHandleOf(auth.userId),
      timeout: relyingParty.challengeTtlMs,
      attestationType: 'none',
      excludeCredentials: existing.map((passkey) => ({ id: passkey._id, transports: passkey.transports })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      supportedAlgorithmIDs: SUPPORTED_ALGORITHMS,
    });
    await challenges.issue(options.challenge, 'registration', auth.userId);
    return options;
  }

  /** Checks a registration response against the account's pending challenge and stores the passkey. */
  async function register(
    auth: AuthContext,
    input: { response: RegistrationResponseJSON; name?: string },
    client: ClientInfo,
  ): Promise<PasskeyView> {
    const verification = await verifySpendingChallenge(
      (spend) =>
        verifyRegistrationResponse({
          response: input.response,
          expectedChallenge: spend,
          expectedOrigin: [...relyingParty.origins],
          expectedRPID: relyingParty.rpId,
          requireUserVerification: true,
        }),
      (challenge) => challenges.spend(challenge, 'registration', auth.userId),
    );
    if (!verification.verified) throw invalidPasskey(REFUSED);
    const { credential, credentialDeviceType, credentialBackedUp, aaguid } = verification.registrationInfo;
    /*
     * Counting and inserting run under the account's lock (the one removals take): every pending
     * challenge is a registration of its own, so parallel ones would each count below the cap and all
     * insert. A per-account counter would also be atomic, but every removal path (own, admin recovery,
     * account deletion) would have to keep it true, and a crash between reserving and inserting would
     * leave it wrong for good; a crashed holder's lease just expires.
     */
    const passkey = await deps.withLock(signInMethodsLock(auth.userId), async (lease) => {
      if ((await store.countOf(auth.userId)) >= max) throw limitReached(max);
      await lease.assertHeld();
      return store.insert({
        id: credential.id,
        userId: auth.userId,
        name: input.name ?? DEFAULT_NAME,
        publicKey: credential.publicKey,
        counter: credential.counter,
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
        transports: input.response.response.transports ?? [],
        aaguid,
      });
    });
    if (!passkey) throw invalidPasskey('This passkey is registered already.');
    audit.record({
      type: 'user.passkey_added',
      actorId: auth.userId,
      targetId: auth.userId,
      sessionId: auth.sessionId,
      ip: client.ip,
      details: { passkeyId: passkey._id, deviceType: passkey.deviceType },
    });
    const user = await deps.users.findForSignIn(auth.userId);
    if (user) await deps.notify.changed(recipientOf(user), 'passkey_added_notice', client);
    return toPasskeyView(passkey);
  }

  return { startRegistration, register };
}
