import fs from 'node:fs';
import type { CDPSession, Page } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser); CHROMIUM_PATH overrides. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function isChromiumInstalled(): boolean {
  return fs.existsSync(CHROMIUM_PATH);
}

/** Flags that keep Chromium from reaching out to the internet, which this machine refuses anyway. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Adds a DevTools virtual platform authenticator to the page's browser context: resident keys, user
 * verification on and presence answered by itself, unless `overrides` say otherwise.
 */
export async function addVirtualAuthenticator(
  page: Page,
  overrides: Record<string, unknown> = {},
): Promise<{ cdp: CDPSession; authenticatorId: string }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...overrides,
    },
  });
  return { cdp, authenticatorId };
}
