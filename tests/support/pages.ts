import fs from 'node:fs';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import type { Browser, Locator, Page } from 'playwright-core';

const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SCREENSHOT_DIR = path.resolve(__dirname, '../../docs/screenshots');
/** Screenshots change with every run (dates, addresses), so they are written only when asked for. */
const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === '1';

interface Recorded {
  /** Every URL the main frame showed, history changes included. */
  navigated: string[];
  requests: { url: string; referer: string | undefined }[];
}

export interface RecordedPage {
  page: Page;
  recorded: Recorded;
}

/** A page in a fresh browser context that records its navigations, requests and CSP violations. */
export async function openRecordedPage(browser: Browser): Promise<RecordedPage> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  // Shorter than jest's timeout, so a missing element fails with the locator's own message.
  page.setDefaultTimeout(10_000);
  const recorded: Recorded = { navigated: [], requests: [] };
  page.on('framenavigated', (frame) => frame === page.mainFrame() && recorded.navigated.push(frame.url()));
  page.on('request', (request) => recorded.requests.push({ url: request.url(), referer: request.headers()['referer'] }));
  // Init scripts run through the DevTools protocol, outside the page's CSP, before the page's own script.
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return { page, recorded };
}

interface AxeViolation {
  id: string;
  help: string;
  nodes: string[];
}

async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run(context: Document): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const results = await axe.run(document);
    return results.violations.map((violation) => ({
      id: violation.id,
      help: violation.help,
      nodes: violation.nodes.map((node) => node.target.join(' ')),
    }));
  });
}

/**
 * What must hold on every page and state: no accessibility violation (axe-core), no CSP violation,
 * nothing in web storage (the access token lives in memory only). With UPDATE_SCREENSHOTS=1 also a
 * screenshot for docs/ of the viewport or of `shoot`.
 */
export async function checkPage(page: Page, name: string, shoot?: Locator): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations)).toEqual([]);
  expect(await page.evaluate(() => [localStorage.length, sessionStorage.length])).toEqual([0, 0]);
  if (UPDATE_SCREENSHOTS) {
    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    // The viewport, or just the part that matters, keeps the files small.
    const file = path.join(SCREENSHOT_DIR, `${name}.png`);
    await (shoot ? shoot.screenshot({ path: file }) : page.screenshot({ path: file }));
  }
}

/** The full link of a mail to one of the pages, as a person would click it. */
export function mailLinkOf(mail: ParsedMail, page: 'reset-password' | 'verify-email' | 'revert-email'): string {
  const match = new RegExp(`https?://\\S+/${page}\\?token=[A-Za-z0-9_-]+`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${page} link in mail "${mail.subject ?? ''}"`);
  return match[0];
}
