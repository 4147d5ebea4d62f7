import { Types } from 'mongoose';
import { AppError } from '../../errors/app-error';
import { addMs, type Clock } from '../../lib/clock';
import { sha256 } from './hash';
import type { AuthorizationChecks } from './oidc-provider-client';
import { SignInAttemptModel } from './sign-in-attempt.model';

export const invalidState = (): AppError =>
  new AppError(400, 'OAUTH_STATE_INVALID', 'This sign-in was not started in this browser, was already used or has expired; start again.');

/** A started sign-in as the callback gets it back. */
export interface SignInAttempt {
  checks: AuthorizationChecks;
  returnTo: string;
  linkUserId: string | null;
}

export type SignInAttempts = ReturnType<typeof createSignInAttempts>;

/** The server side of `state`: stored by the state's hash, bound to a browser, single use, short-lived. */
export function createSignInAttempts(deps: { now: Clock; ttlMs: number }) {
  async function open(input: { provider: string; checks: AuthorizationChecks; returnTo: string; binding: string; linkUserId?: string }) {
    await SignInAttemptModel.create({
      _id: sha256(input.checks.state),
      provider: input.provider,
      nonce: input.checks.nonce,
      codeVerifier: input.checks.codeVerifier,
      returnTo: input.returnTo,
      bindingHash: sha256(input.binding),
      linkUserId: input.linkUserId ? new Types.ObjectId(input.linkUserId) : null,
      expiresAt: addMs(deps.now(), deps.ttlMs),
    });
  }

  /**
   * Spends the attempt named by `state` for this provider and browser, in one conditional write: of any
   * number of callbacks with one state, one gets it; a missing, wrong, used, expired or other browser's
   * state answers OAUTH_STATE_INVALID and leaves the attempt as it was.
   */
  async function consume(provider: string, state: string | undefined, binding: string | undefined): Promise<SignInAttempt> {
    if (!state || !binding) throw invalidState();
    const now = deps.now();
    const attempt = await SignInAttemptModel.findOneAndUpdate(
      { _id: sha256(state), provider, bindingHash: sha256(binding), usedAt: null, expiresAt: { $gt: now } },
      { $set: { usedAt: now } },
    ).lean();
    if (!attempt) throw invalidState();
    return {
      checks: { state, nonce: attempt.nonce, codeVerifier: attempt.codeVerifier },
      returnTo: attempt.returnTo,
      linkUserId: attempt.linkUserId?.toString() ?? null,
    };
  }

  /** True while the link attempt of `state` still exists: a proof of the account's mailbox deletes them (forgetUser). */
  async function isLinkStillWanted(state: string, userId: string): Promise<boolean> {
    return (await SignInAttemptModel.exists({ _id: sha256(state), linkUserId: new Types.ObjectId(userId) })) !== null;
  }

  /** Forgets the links the account had started (deleted, or its mailbox just proven). */
  async function forgetUser(userId: string): Promise<void> {
    await SignInAttemptModel.deleteMany({ linkUserId: new Types.ObjectId(userId) });
  }

  async function sweepExpired(): Promise<number> {
    return (await SignInAttemptModel.deleteMany({ expiresAt: { $lte: deps.now() } })).deletedCount;
  }

  return { open, consume, isLinkStillWanted, forgetUser, sweepExpired };
}
