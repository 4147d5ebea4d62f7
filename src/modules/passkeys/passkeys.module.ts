import type { Config } from '../../config/env';
import type { Clock } from '../../lib/clock';
import type { AuditService } from '../audit';
import type { SessionService } from '../sessions';
import type { UserRecords } from '../users';
import { createPasskeyChallengeService } from './passkey-challenge.service';
import type { PasskeyNotifier } from './passkey-notifier';
import { createPasskeyRegistrationService, type ConfirmOwner } from './passkey-registration.service';
import { createPasskeySignInService } from './passkey-sign-in.service';
import { createPasskeyStore } from './passkey-store';
import { createPasskeysService, type OtherSignInMethods, type WithLock } from './passkeys.service';

/**
 * Builds the passkeys capability's services (one call in container.ts). The WebAuthn work is
 * `@simplewebauthn/server` pinned at 14.0.3, the last release that runs on Node 20 (later ones need 22).
 */
export function createPasskeysServices(deps: {
  relyingParty: Config['webauthn'];
  now: Clock;
  users: Pick<UserRecords, 'findForSignIn'>;
  sessions: Pick<SessionService, 'revokeAllUserSessions'>;
  audit: AuditService;
  notify: PasskeyNotifier;
  confirmOwner: ConfirmOwner;
  otherSignInMethods: OtherSignInMethods;
  withLock: WithLock;
}) {
  const { relyingParty, now, users, audit, notify } = deps;
  const store = createPasskeyStore();
  const challenges = createPasskeyChallengeService({ now, ttlMs: relyingParty.challengeTtlMs });
  return {
    registration: createPasskeyRegistrationService({
      relyingParty,
      challenges,
      store,
      users,
      confirmOwner: deps.confirmOwner,
      withLock: deps.withLock,
      audit,
      notify,
    }),
    signIn: createPasskeySignInService({ relyingParty, challenges, store, audit, now }),
    passkeys: createPasskeysService({
      store,
      challenges,
      users,
      sessions: deps.sessions,
      otherSignInMethods: deps.otherSignInMethods,
      withLock: deps.withLock,
      audit,
      notify,
    }),
    challenges,
  };
}

export type PasskeysServices = ReturnType<typeof createPasskeysServices>;
