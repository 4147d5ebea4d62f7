import { accountApi } from './account-api';
import { showAccount } from './account';
import { h } from './dom';
import { describeFailure } from './keyhold';
import { showOAuthComplete, type OAuthOutcome } from './oauth-complete';
import { showPage } from './page';
import { showSignIn } from './signed-out';
import { showResetPassword, showRevertEmail, showVerifyEmail } from './token-pages';

/**
 * Takes a mailed token (or a provider's one-time code) out of the address bar before anything else runs,
 * so it never lands in history, bookmarks, a Referer or a screenshot; it then lives only in this page's memory.
 */
function takeParametersFromAddress(): URLSearchParams {
  const parameters = new URLSearchParams(window.location.search);
  if (window.location.search) window.history.replaceState(null, '', window.location.pathname);
  return parameters;
}

let signedIn = false;

function signedOut(notice: string): void {
  signedIn = false;
  showSignIn({ notice, onSignedIn: enterAccount });
}

function enterAccount(): void {
  signedIn = true;
  // The SDK's signedOut event usually shows the sign-in page first; `finally` covers a sign-out that failed.
  showAccount(() => void accountApi.signOut().finally(() => signedIn && signedOut('You are signed out.'))).catch((error: unknown) =>
    showPage('Your account', h('p', { role: 'alert' }, describeFailure(error).message)),
  );
}

async function start(): Promise<void> {
  const parameters = takeParametersFromAddress();
  const token = parameters.get('token');
  const page = window.location.pathname.replace(/\/+$/, '');
  if (page === '/account/verify-email') return showVerifyEmail(token);
  if (page === '/account/reset-password') return showResetPassword(token);
  if (page === '/account/revert-email') return showRevertEmail(token);
  accountApi.onSignedOut(() => signedIn && signedOut('You are signed out.'));
  if (page === '/account/oauth-complete') {
    const outcome: OAuthOutcome = { code: parameters.get('code'), error: parameters.get('error'), linked: parameters.get('linked') };
    return showOAuthComplete(outcome, enterAccount);
  }
  if (await accountApi.restore().catch(() => false)) enterAccount();
  else signedOut('');
}

void start();
