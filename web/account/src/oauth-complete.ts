import { accountApi } from './account-api';
import { h } from './dom';
import { describeFailure } from './keyhold';
import { messageFor } from './messages';
import { showPage } from './page';
import { showMfaStep } from './signed-out';

/** What the provider's callback put in the address: a one-time code, an error code, or the provider just linked. */
export interface OAuthOutcome {
  code: string | null;
  error: string | null;
  linked: string | null;
}

const ACCOUNT_PATH = '/account/';
const backToAccount = () => h('p', {}, h('a', { href: ACCOUNT_PATH }, 'Back to the account page'));

/** A path on this site (`/x`, not `//host` or `/\\host`), as the service accepts for returnTo. */
function isSitePath(path: string): boolean {
  return /^\/(?![/\\])[^\\]*$/.test(path);
}

/**
 * `/account/oauth-complete`, where a provider sign-in comes back: exchanges the one-time code (already
 * out of the address bar), asks for the second factor if the account has one, then goes on to the
 * sign-in's returnTo (after the second factor too), or to the account page.
 */
export async function showOAuthComplete(outcome: OAuthOutcome, enterAccount: () => void): Promise<void> {
  const toAccount = () => {
    window.history.replaceState(null, '', ACCOUNT_PATH);
    enterAccount();
  };
  if (outcome.error) {
    const message = messageFor({ status: 400, code: outcome.error, detail: 'The sign-in with the provider did not finish.' });
    return showPage('Sign-in did not finish', h('p', { role: 'alert' }, message), backToAccount());
  }
  if (outcome.linked) {
    // The link finished at the provider; this tab resumes its session and shows the providers section.
    return (await accountApi.restore().catch(() => false)) ? toAccount() : window.location.replace(ACCOUNT_PATH);
  }
  if (!outcome.code) return window.location.replace(ACCOUNT_PATH);
  showPage('Signing you in', h('p', { role: 'status' }, 'Finishing the sign-in…'));
  // The service checked returnTo when the sign-in started; checked again here, as it is a navigation target.
  const goTo = (returnTo: string) =>
    returnTo.startsWith('/account') || !isSitePath(returnTo) ? toAccount() : window.location.assign(returnTo);
  try {
    const result = await accountApi.completeProviderSignIn(outcome.code);
    if (result.status === 'mfaRequired') return showMfaStep(result.verify, { onSignedIn: () => goTo(result.returnTo) });
    goTo(result.returnTo);
  } catch (error) {
    showPage('Sign-in did not finish', h('p', { role: 'alert' }, describeFailure(error).message), backToAccount());
  }
}
