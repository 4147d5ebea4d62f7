import { LoginAttemptModel } from '../../src/modules/auth/login-attempt.model';

export interface CountedFailures {
  failures: number;
  locked: boolean;
}

/** What the login throttle holds against a key (an email, or a device key): a cleared or absent counter is 0, unlocked. */
export async function countedFailures(key: string): Promise<CountedFailures> {
  const attempt = await LoginAttemptModel.findById(key).lean();
  return { failures: attempt?.failures ?? 0, locked: attempt?.lockedAt != null };
}

export const NO_FAILURES: CountedFailures = { failures: 0, locked: false };
