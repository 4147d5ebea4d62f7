import { accountApi } from './account-api';
import { h } from './dom';
import { createForm } from './forms';
import { describeFailure } from './keyhold';
import { REVERT_LINK_INVALID } from './messages';
import { showPage } from './page';

const toAccount = () => h('p', {}, h('a', { href: '/account/' }, 'Go to your account'));

/** Opened from the confirmation mail: confirms at once, since the link itself is the request. */
export async function showVerifyEmail(token: string | null): Promise<void> {
  if (!token)
    return showPage(
      'Confirm your address',
      h('p', { role: 'alert' }, 'This link is incomplete. Open the link from the mail again.'),
      toAccount(),
    );
  showPage('Confirm your address', h('p', { role: 'status' }, 'Confirming…'));
  try {
    await accountApi.verifyEmail(token);
    showPage('Address confirmed', h('p', { role: 'status' }, 'Thank you: your e-mail address is confirmed.'), toAccount());
  } catch (error) {
    showPage('Address not confirmed', h('p', { role: 'alert' }, describeFailure(error).message), toAccount());
  }
}

/** Opened from the reset mail: the new password is chosen here; the token stays in memory only. */
export function showResetPassword(token: string | null): void {
  if (!token)
    return showPage('Choose a new password', h('p', { role: 'alert' }, 'This link is incomplete. Ask for a new one.'), toAccount());
  const form = createForm({
    fields: [{ name: 'newPassword', label: 'New password', type: 'password', autocomplete: 'new-password' }],
    submitLabel: 'Set new password',
    onSubmit: async ({ newPassword = '' }) => {
      await accountApi.resetPassword(token, newPassword);
      showPage(
        'Password changed',
        h('p', { role: 'status' }, 'Your password is changed and every device was signed out. Sign in with the new one.'),
        toAccount(),
      );
    },
  });
  showPage('Choose a new password', form);
}

/** The "this wasn't me" link of an address change: asks first, so a mail scanner opening it changes nothing. */
export function showRevertEmail(token: string | null): void {
  if (!token)
    return showPage(
      'Restore your address',
      h('p', { role: 'alert' }, 'This link is incomplete. Open the link from the mail again.'),
      toAccount(),
    );
  const form = createForm({
    fields: [],
    submitLabel: 'Restore my previous address',
    onSubmit: async () => {
      await accountApi.revertEmail(token);
      showPage(
        'Address restored',
        h(
          'p',
          { role: 'status' },
          'Your previous address is back and every device was signed out. If you did not ask for the change, choose a new password now.',
        ),
        toAccount(),
      );
    },
    messages: { VERIFICATION_TOKEN_INVALID: () => REVERT_LINK_INVALID },
  });
  showPage(
    'Restore your address',
    h('p', {}, 'Someone changed the e-mail address of your account. If it was not you, restore the previous one.'),
    form,
  );
}
