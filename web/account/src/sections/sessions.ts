import { accountApi } from '../account-api';
import { formatTime, h, replaceChildren } from '../dom';
import { actionButton, createAnnouncer } from '../page';
import type { Session } from '@keyhold/client';
import type { AccountSection } from './section';

function deviceOf(session: Session): string {
  const { browser, os, type } = session.device;
  const name = [browser, os && `on ${os}`].filter(Boolean).join(' ');
  return name || (type ? `A ${type}` : 'Unknown device');
}

function locationOf(session: Session): string {
  const place = session.location;
  if (!place) return 'Unknown location';
  return [place.city, place.region, place.country].filter(Boolean).join(', ') || 'Unknown location';
}

/** The sessions of the account: where each is, which is this one, and a way to end the others. */
function sessionsView(list: HTMLElement, announcer: ReturnType<typeof createAnnouncer>) {
  async function load(): Promise<void> {
    const sessions = await accountApi.listSessions();
    replaceChildren(list, ...sessions.map(sessionItem));
  }

  function sessionItem(session: Session): HTMLElement {
    const device = deviceOf(session);
    const revoke = session.current
      ? null
      : actionButton(
          'Sign out',
          async () => {
            await accountApi.revokeSession(session.id);
            await load();
            return `${device} is signed out.`;
          },
          announcer,
          { 'aria-label': `Sign out ${device}, ${locationOf(session)}` },
        );
    return h(
      'li',
      { class: session.current ? 'session current' : 'session', 'data-session-id': session.id },
      h('p', { class: 'device' }, h('strong', {}, device), session.current ? h('span', { class: 'badge' }, 'This device') : null),
      h('p', {}, `${locationOf(session)}${session.ip ? ` · ${session.ip}` : ''}`),
      h('p', { class: 'hint' }, `Signed in ${formatTime(session.createdAt)} · last active ${formatTime(session.lastSeenAt)}`),
      revoke,
    );
  }

  return load;
}

export const sessionsSection: AccountSection = {
  id: 'sessions',
  title: 'Where you are signed in',
  render: () => {
    const announcer = createAnnouncer();
    const list = h('ul', { class: 'sessions' });
    const load = sessionsView(list, announcer);
    load().catch(announcer.failure);
    const everywhere = actionButton('Sign out everywhere', () => accountApi.signOutEverywhere(), announcer, { class: 'danger' });
    return h('div', {}, list, announcer.element, everywhere);
  },
};
