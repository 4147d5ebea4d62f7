import type { Config } from '../../config/env';
import type { Location } from '../geoip';
import {
  describeDuration,
  type MailContent,
  type MailOutboxService,
  type MailTemplate,
  renderMail,
  type SignInChange,
  type SignInProviderChange,
} from '../mail';
import type { AccountTokenPurpose } from './account-token.model';
import type { AccountTokenService } from './account-token.service';

/** The frontend page each kind of link opens. */
const LINK_PATHS: Record<AccountTokenPurpose, string> = {
  password_reset: 'reset-password',
  email_verification: 'verify-email',
  email_change: 'verify-email',
  email_revert: 'revert-email',
};

export interface MailRecipient {
  id: string;
  name?: string | null;
  /**
   * True once the account has proven it holds the address the mail goes to. Only then does the mail
   * greet it by name: a name is free text, and a stranger's address must not receive text of an
   * account holder's choosing.
   */
  addressProven?: boolean;
}

/** What a security notice reports: the change, when, and from where. */
export interface SecurityEvent {
  at: Date;
  ip: string | null;
  userAgent: string | null;
}

const greetingNameOf = (recipient: MailRecipient): string | null => (recipient.addressProven ? (recipient.name ?? null) : null);

export interface TokenMail {
  template: MailTemplate;
  purpose: AccountTokenPurpose;
  user: MailRecipient;
  /** The address the token is bound to (verified, switched to or restored). */
  email: string;
  ttlMs: number;
  keepOlder?: boolean;
  facts?: Record<string, string>;
}

export type AccountMailService = ReturnType<typeof createAccountMailService>;

/** Composes the account mails: mints the link's token, renders text and HTML, queues the result. */
export function createAccountMailService(deps: { mail: Config['mail']; tokens: AccountTokenService; outbox: MailOutboxService }) {
  const { mail, tokens, outbox } = deps;

  function linkFor(purpose: AccountTokenPurpose, token: string): string {
    return `${mail.appUrl}/${LINK_PATHS[purpose]}?token=${token}`;
  }

  /** Mints a token and renders the mail carrying its link (for the worker resolving a request). */
  async function composeTokenMail(input: TokenMail): Promise<MailContent> {
    const { purpose, email, ttlMs, keepOlder } = input;
    const token = await tokens.mintToken({ purpose, userId: input.user.id, email, ttlMs, keepOlder });
    return renderMail(input.template, {
      productName: mail.productName,
      name: greetingNameOf(input.user),
      link: linkFor(input.purpose, token),
      ttl: describeDuration(input.ttlMs),
      facts: input.facts,
    });
  }

  /** Mints, renders and queues a mail with a link to `to`. */
  async function sendTokenMail(to: string, input: TokenMail): Promise<void> {
    await outbox.enqueueMail(input.template, to, await composeTokenMail(input), input.user.id);
  }

  /** Tells the user about a sign-in from a country the account was not used from before. */
  async function sendNewLocationNotice(user: MailRecipient & { email: string }, sign: { location: Location; ip: string | null; at: Date }) {
    const place = [sign.location.city, sign.location.region, sign.location.country].filter(Boolean).join(', ');
    const facts = {
      Place: place || (sign.location.countryCode ?? 'unknown'),
      'IP address': sign.ip ?? 'unknown',
      Time: sign.at.toISOString(),
    };
    const content = renderMail('login_new_location', { productName: mail.productName, name: greetingNameOf(user), facts });
    await outbox.enqueueMail('login_new_location', user.email, content, user.id);
  }

  /** Tells the user an administrator turned their second factor off (a lost phone, or an attacker with admin rights). */
  async function sendMfaResetNotice(user: MailRecipient & { email: string }): Promise<void> {
    const content = renderMail('mfa_reset_notice', { productName: mail.productName, name: greetingNameOf(user) });
    await outbox.enqueueMail('mfa_reset_notice', user.email, content, user.id);
  }

  /** Tells the user an administrator removed all their passkeys (account recovery). */
  async function sendPasskeysResetNotice(user: MailRecipient & { email: string }): Promise<void> {
    const content = renderMail('passkeys_reset_notice', { productName: mail.productName, name: greetingNameOf(user) });
    await outbox.enqueueMail('passkeys_reset_notice', user.email, content, user.id);
  }

  /** Tells the user their second factor or passkeys changed (MFA on or off, new recovery codes, a passkey added or removed): a takeover shows here. */
  async function sendSecondFactorNotice(user: MailRecipient & { email: string }, change: SignInChange, event: SecurityEvent) {
    const facts = { Time: event.at.toISOString(), 'IP address': event.ip ?? 'unknown', Device: event.userAgent ?? 'unknown' };
    const content = renderMail(change, { productName: mail.productName, name: greetingNameOf(user), facts });
    await outbox.enqueueMail(change, user.email, content, user.id);
  }

  /** Tells the user a sign-in provider was linked or removed: someone else's provider account linked is a takeover. */
  async function sendSignInProviderNotice(
    user: MailRecipient & { email: string },
    change: SignInProviderChange,
    provider: string,
    event: SecurityEvent,
  ) {
    const facts = {
      Provider: provider,
      Time: event.at.toISOString(),
      'IP address': event.ip ?? 'unknown',
      Device: event.userAgent ?? 'unknown',
    };
    const content = renderMail(change, { productName: mail.productName, name: greetingNameOf(user), facts });
    await outbox.enqueueMail(change, user.email, content, user.id);
  }

  return {
    composeTokenMail,
    sendTokenMail,
    sendNewLocationNotice,
    sendMfaResetNotice,
    sendPasskeysResetNotice,
    sendSecondFactorNotice,
    sendSignInProviderNotice,
  };
}
