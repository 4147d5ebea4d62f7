import { accountApi } from './account-api';
import { h } from './dom';
import { showAccountBar, showPage } from './page';
import { ACCOUNT_SECTIONS } from './sections/registry';

/** The signed-in page: every registered section, each a labelled region with its own heading. */
export async function showAccount(signOut: () => void): Promise<void> {
  const user = await accountApi.me();
  showAccountBar(user.email, signOut);
  const reload = () => showAccount(signOut);
  const sections = ACCOUNT_SECTIONS.map((section) => {
    const headingId = `section-${section.id}`;
    return h(
      'section',
      { 'aria-labelledby': headingId, class: 'card' },
      h('h2', { id: headingId }, section.title),
      section.render({ user, reload }),
    );
  });
  showPage('Your account', ...sections);
}
