export const MAIL_TEMPLATES = [
  'password_reset',
  'email_verification',
  'email_change',
  'email_change_notice',
  'login_new_location',
  'mfa_reset_notice',
  'mfa_enabled_notice',
  'mfa_disabled_notice',
  'recovery_codes_notice',
  'passkey_added_notice',
  'passkey_removed_notice',
  'passkeys_reset_notice',
  'identity_linked_notice',
  'identity_unlinked_notice',
  'habit_weekly_summary',
] as const;
export type MailTemplate = (typeof MAIL_TEMPLATES)[number];

/** The notices of second-factor changes a user makes themselves. */
export type SecondFactorChange = Extract<MailTemplate, 'mfa_enabled_notice' | 'mfa_disabled_notice' | 'recovery_codes_notice'>;

/** The notices of sign-in changes a user makes themselves: the second factor, passkeys. */
export type SignInChange = SecondFactorChange | Extract<MailTemplate, 'passkey_added_notice' | 'passkey_removed_notice'>;
/** The notices of a sign-in provider (OpenID Connect) linked to or removed from an account. */
export type SignInProviderChange = Extract<MailTemplate, 'identity_linked_notice' | 'identity_unlinked_notice'>;

export interface MailContent {
  subject: string;
  text: string;
  html: string;
}

export interface TemplateInput {
  productName: string;
  name: string | null;
  /** The one link of the mail, when it has one. */
  link?: string;
  /** Extra facts shown as they are (escaped in HTML): a new address, a place, a time. */
  facts?: Record<string, string>;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]!);
}

interface Wording {
  subject: string;
  lines: string[];
  action?: string;
  closing: string;
}

const WORDINGS: Record<MailTemplate, (ttl: string) => Wording> = {
  password_reset: (ttl) => ({
    subject: 'Reset your password',
    lines: ['Someone asked to reset the password of your account.', `The link below works once, for ${ttl}.`],
    action: 'Choose a new password',
    closing: 'If this was not you, ignore this mail: your password stays as it is.',
  }),
  email_verification: (ttl) => ({
    subject: 'Confirm your e-mail address',
    lines: ['Please confirm that this address belongs to you.', `The link below works once, for ${ttl}.`],
    action: 'Confirm my address',
    closing: 'If you did not create an account, ignore this mail.',
  }),
  email_change: (ttl) => ({
    subject: 'Confirm your new e-mail address',
    lines: ['Your account is to use this address from now on.', `The link below works once, for ${ttl}.`],
    action: 'Confirm my new address',
    closing: 'If you did not ask for this, ignore this mail: nothing changes.',
  }),
  email_change_notice: (ttl) => ({
    subject: 'Your e-mail address is being changed',
    lines: [
      'Someone asked to move your account to another address (below).',
      `If this was not you, the link below undoes it and signs everyone out; it works for ${ttl}.`,
    ],
    action: 'This was not me: restore my address',
    closing: 'If it was you, there is nothing to do.',
  }),
  login_new_location: () => ({
    subject: 'New sign-in from another country',
    lines: ['Your account was just signed in to from a country it was not used from before.'],
    closing: 'If this was not you, change your password and sign out your other sessions.',
  }),
  mfa_reset_notice: () => ({
    subject: 'Two-step sign-in was turned off for your account',
    lines: [
      'An administrator turned off two-step sign-in (authenticator codes) for your account and signed out all its sessions.',
      'Sign in with your password and set up two-step sign-in again.',
    ],
    closing: 'If you did not ask for this, contact your administrator at once.',
  }),
  mfa_enabled_notice: () => ({
    subject: 'Two-step sign-in was turned on for your account',
    lines: ['Two-step sign-in (authenticator codes) was just turned on for your account.'],
    closing: 'If this was not you, someone has your password: reset it at once and sign out all sessions.',
  }),
  mfa_disabled_notice: () => ({
    subject: 'Two-step sign-in was turned off for your account',
    lines: ['Two-step sign-in (authenticator codes) was just turned off for your account.'],
    closing: 'If this was not you, reset your password at once and turn two-step sign-in on again.',
  }),
  recovery_codes_notice: () => ({
    subject: 'New recovery codes for your account',
    lines: ['New recovery codes were just made for your account; the old ones no longer work.'],
    closing: 'If this was not you, reset your password at once and sign out all sessions.',
  }),
  passkey_added_notice: () => ({
    subject: 'A passkey was added to your account',
    lines: ['A new passkey was just added to your account; it can sign in without your password.'],
    closing: 'If this was not you, remove the passkey, reset your password at once and sign out all sessions.',
  }),
  passkey_removed_notice: () => ({
    subject: 'A passkey was removed from your account',
    lines: ['A passkey was just removed from your account; it can no longer sign in.'],
    closing: 'If this was not you, reset your password at once and sign out all sessions.',
  }),
  passkeys_reset_notice: () => ({
    subject: 'Your passkeys were removed',
    lines: [
      'An administrator removed every passkey of your account and signed out all its sessions.',
      'Sign in with your password (or reset it) and add a passkey again.',
    ],
    closing: 'If you did not ask for this, contact your administrator at once.',
  }),
  identity_linked_notice: () => ({
    subject: 'A sign-in provider was linked to your account',
    lines: ['Your account can now be signed in to with the provider below.'],
    closing: 'If this was not you, remove the provider in your settings, reset your password and sign out all sessions.',
  }),
  identity_unlinked_notice: () => ({
    subject: 'A sign-in provider was removed from your account',
    lines: ['Your account can no longer be signed in to with the provider below.'],
    closing: 'If this was not you, reset your password at once and sign out all sessions.',
  }),
  habit_weekly_summary: () => ({
    subject: 'Your week of habits',
    lines: ['Here is how your habits went last week.'],
    closing: 'You get this mail because weekly summaries are on in your settings; turn them off there at any time.',
  }),
};

function renderText(greeting: string, wording: Wording, input: TemplateInput): string {
  const facts = Object.entries(input.facts ?? {}).map(([label, value]) => `${label}: ${value}`);
  const action = input.link && wording.action ? [`${wording.action}:`, input.link, ''] : [];
  return [
    greeting,
    '',
    ...wording.lines,
    ...(facts.length ? ['', ...facts] : []),
    '',
    ...action,
    wording.closing,
    '',
    `- ${input.productName}`,
  ].join('\n');
}

function renderHtml(greeting: string, wording: Wording, input: TemplateInput): string {
  const facts = Object.entries(input.facts ?? {})
    .map(([label, value]) => `<li>${escapeHtml(label)}: ${escapeHtml(value)}</li>`)
    .join('');
  const action = input.link && wording.action ? `<p><a href="${escapeHtml(input.link)}">${escapeHtml(wording.action)}</a></p>` : '';
  return [
    `<p>${escapeHtml(greeting)}</p>`,
    ...wording.lines.map((line) => `<p>${escapeHtml(line)}</p>`),
    facts ? `<ul>${facts}</ul>` : '',
    action,
    `<p>${escapeHtml(wording.closing)}</p>`,
    `<p>${escapeHtml(input.productName)}</p>`,
  ].join('\n');
}

/** Plain text and HTML of one mail; everything the user controls is escaped in the HTML. */
export function renderMail(template: MailTemplate, input: TemplateInput & { ttl?: string }): MailContent {
  const wording = WORDINGS[template](input.ttl ?? '');
  const greeting = input.name ? `Hello ${input.name},` : 'Hello,';
  return {
    subject: `${input.productName}: ${wording.subject}`,
    text: renderText(greeting, wording, input),
    html: renderHtml(greeting, wording, input),
  };
}

const SPANS: [number, string][] = [
  [86_400_000, 'day'],
  [3_600_000, 'hour'],
  [60_000, 'minute'],
  [1000, 'second'],
];

/** "15 minutes", "7 days": how long a link works, in words. */
export function describeDuration(ms: number): string {
  const [size, unit] = SPANS.find(([span]) => ms >= span && ms % span === 0) ?? SPANS.find(([span]) => ms >= span) ?? [1000, 'second'];
  const count = Math.max(1, Math.round(ms / size));
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
