import type { ClientInfo } from '../../lib/client-info';
import type { UserFields } from '../users';

/** The account a notice goes to. */
export interface NoticeRecipient {
  id: string;
  email: string;
  name: string | null;
  addressProven: boolean;
}

export type PasskeyChange = 'passkey_added_notice' | 'passkey_removed_notice';

/** Hands the security notices of passkey changes to the mail outbox (container.ts passes the account mails in). */
export interface PasskeyNotifier {
  /** The user added or removed a passkey: what, when and from where. */
  changed(user: NoticeRecipient, change: PasskeyChange, client: ClientInfo): Promise<void>;
  /** An administrator removed every passkey of the account (recovery). */
  removedByAdmin(user: NoticeRecipient): Promise<void>;
}

export function recipientOf(user: Pick<UserFields, '_id' | 'email' | 'name' | 'emailVerified'>): NoticeRecipient {
  return { id: user._id.toString(), email: user.email, name: user.name ?? null, addressProven: user.emailVerified === true };
}
