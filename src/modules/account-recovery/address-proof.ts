import type { ClientInfo } from '../../lib/client-info';

/**
 * Called once a mailed link proved that the person using the account receives the mail of `address`
 * (the identities module, wired by container.ts, removes the sign-in providers that did not vouch for it).
 */
export type AfterAddressProven = (
  proof: { userId: string; address: string; reason: 'password_reset' | 'email_verified' | 'email_changed' | 'email_reverted' },
  client: ClientInfo,
) => Promise<unknown>;
