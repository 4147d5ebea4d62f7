import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Config } from '../../config/env';
import { UnauthenticatedError } from '../../errors/app-error';
import type { ClientInfo } from '../../lib/client-info';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../audit';
import type { PasskeyChallengeService } from './passkey-challenge.service';
import { userHandleOf } from './passkey-registration.service';
import { publicKeyOf, type PasskeyStore } from './passkey-store';
import type { StoredPasskey } from './passkey.view';

const invalidCredentials = (): UnauthenticatedError => new UnauthenticatedError('INVALID_CREDENTIALS', 'The passkey was not accepted.');

/** A sign-in the passkey proved: whose account, and which passkey. */
export interface VerifiedPasskey {
  userId: string;
  passkeyId: string;
}

export type PasskeySignInService = ReturnType<typeof createPasskeySignInService>;

/**
 * Passwordless sign-in with discoverable passkeys: options with a stored single-use challenge, then
 * the assertion checked (origin, RP id, user verification, signature, counter) and its use stored.
 * Completing the login (session, tokens, cookies) is the auth module's part.
 */
export function createPasskeySignInService(deps: {
  relyingParty: Config['webauthn'];
  challenges: PasskeyChallengeService;
  store: PasskeyStore;
  audit: AuditService;
  now: Clock;
}) {
  const { relyingParty, challenges, store, audit } = deps;

  /** Options with no allow-list (the browser offers its discoverable passkeys); the challenge is also its id. */
  async function startSignIn(): Promise<{ options: Awaited<ReturnType<typeof generateAuthenticationOptions>>; challengeId: string }> {
    const options = await generateAuthenticationOptions({
      rpID: relyingParty.rpId,
      userVerification: 'required',
      timeout: relyingParty.challengeTtlMs,
    });
    await challenges.issue(options.challenge, 'authentication');
    return { options, challengeId: options.challenge };
  }

  function refuse(client: ClientInfo, reason: string, passkey?: StoredPasskey): never {
    const targetId = passkey ? passkey.userId.toString() : null;
    audit.record({
      type: 'auth.passkey_failed',
      targetId,
      ip: client.ip,
      details: { reason, ...(passkey ? { passkeyId: passkey._id } : {}) },
    });
    throw invalidCredentials();
  }

  async function verifySignature(response: AuthenticationResponseJSON, challengeId: string, passkey: StoredPasskey) {
    try {
      const { verified, authenticationInfo } = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challengeId,
        expectedOrigin: [...relyingParty.origins],
        expectedRPID: relyingParty.rpId,
        // The counter is judged below (synced passkeys may go back); 0 turns the library's own check off.
        credential: { id: passkey._id, publicKey: publicKeyOf(passkey), counter: 0, transports: passkey.transports },
        requireUserVerification: true,
      });
      return verified ? authenticationInfo : null;
    } catch {
      return null;
    }
  }

  /**
   * Spends the challenge, then checks the assertion. A counter that does not increase (when either is
   * non-zero) is refused for a device-bound passkey (a clone may be in use) and allowed for a synced
   * one (its copies share no counter); both are audited. Whether a passkey is synced is what was stored
   * before this assertion, so a response cannot declare itself synced to pass.
   */
  async function verifySignIn(
    input: { challengeId: string; response: AuthenticationResponseJSON },
    client: ClientInfo,
  ): Promise<VerifiedPasskey> {
    if (!(await challenges.spend(input.challengeId, 'authentication'))) refuse(client, 'challenge');
    const passkey = await store.findById(input.response.id);
    if (!passkey) refuse(client, 'unknown_passkey');
    const userHandle = input.response.response.userHandle;
    if (userHandle && userHandle !== Buffer.from(userHandleOf(passkey.userId.toString())).toString('base64url')) {
      refuse(client, 'user_handle', passkey);
    }
    const info = await verifySignature(input.response, input.challengeId, passkey);
    if (!info) refuse(client, 'assertion', passkey);
    const synced = passkey.deviceType === 'multiDevice';
    const counterChecked = passkey.counter > 0 || info.newCounter > 0;
    const regressed = counterChecked && info.newCounter <= passkey.counter;
    if (regressed) reportRegression(passkey, info.newCounter, synced, client);
    const use = { counter: info.newCounter, deviceType: info.credentialDeviceType, backedUp: info.credentialBackedUp, at: deps.now() };
    const stored = await store.recordUse(passkey._id, use, counterChecked && !synced);
    // Lost the compare-and-set: another assertion with this counter value was accepted meanwhile.
    if (!stored && !synced) reportRegression(passkey, info.newCounter, false, client);
    if (!stored) refuse(client, 'unknown_passkey', passkey);
    return { userId: passkey.userId.toString(), passkeyId: passkey._id };
  }

  function reportRegression(passkey: StoredPasskey, presented: number, synced: boolean, client: ClientInfo): void {
    const userId = passkey.userId.toString();
    audit.record({
      type: 'auth.passkey_counter_regression',
      targetId: userId,
      ip: client.ip,
      details: { passkeyId: passkey._id, storedCounter: passkey.counter, presentedCounter: presented, synced, refused: !synced },
    });
    if (!synced) throw invalidCredentials();
  }

  return { startSignIn, verifySignIn };
}
