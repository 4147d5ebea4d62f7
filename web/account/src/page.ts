import { h, replaceChildren } from './dom';
import { describeFailure } from './keyhold';
import type { Problem } from './messages';

type Content = Node | string | null | false;

/**
 * Shows a view: the title names the page, the heading takes focus so a screen reader starts there and
 * the keyboard continues from the top of the new content.
 */
export function showPage(title: string, ...content: Content[]): void {
  document.title = `${title} · Keyhold`;
  const main = document.getElementById('main');
  if (!main) return;
  const heading = h('h1', { tabindex: '-1' }, title);
  replaceChildren(main, heading, ...content);
  heading.focus();
}

/** The bar at the top: who is signed in, and the way out. */
export function showAccountBar(email: string | null, onSignOut?: () => void): void {
  const bar = document.getElementById('account-bar');
  if (!bar) return;
  if (!email || !onSignOut) return replaceChildren(bar);
  replaceChildren(
    bar,
    h('span', { class: 'who' }, 'Signed in as ', h('strong', {}, email)),
    h('button', { type: 'button', onclick: onSignOut }, 'Sign out'),
  );
}

/** A live region for outcomes of buttons (forms have their own); `messages` words particular problem codes. */
export function createAnnouncer(messages: Partial<Record<string, (problem: Problem) => string>> = {}): {
  element: HTMLElement;
  success(text: string): void;
  failure(error: unknown): void;
} {
  const status = h('p', { class: 'form-status', role: 'status' });
  const alert = h('p', { class: 'form-message', role: 'alert' });
  return {
    element: h('div', {}, status, alert),
    success: (text) => {
      alert.textContent = '';
      status.textContent = text;
    },
    failure: (error) => {
      status.textContent = '';
      alert.textContent = describeFailure(error, messages).message;
    },
  };
}

/** A button that runs an action once at a time and reports through an announcer. */
export function actionButton(
  label: string,
  action: () => Promise<string | void>,
  announcer: ReturnType<typeof createAnnouncer>,
  props: Record<string, string> = {},
): HTMLButtonElement {
  let pending = false;
  const button = h('button', { type: 'button', ...props }, label);
  button.addEventListener('click', () => {
    if (pending) return;
    pending = true;
    button.setAttribute('aria-busy', 'true');
    action()
      .then((outcome) => outcome && announcer.success(outcome), announcer.failure)
      .finally(() => {
        pending = false;
        button.removeAttribute('aria-busy');
      });
  });
  return button;
}
