import type { ContainerOptions } from '../../src/container';
import { useTestApp, type TestContext } from './context';
import { startMailbox, type TestMailbox } from './mailbox';

export const TEST_APP_URL = 'http://app.example.test';

/** Mail settings for tests: a fast sender and short backoff, links to a fixed frontend URL. */
export const MAIL_TEST_ENV: Record<string, string> = {
  APP_URL: TEST_APP_URL,
  MAIL_FROM: 'Keyhold <no-reply@keyhold.test>',
  MAIL_POLL_INTERVAL: '20ms',
  MAIL_RETRY_BASE: '50ms',
  MAIL_RETRY_MAX: '400ms',
  MAIL_SEND_TIMEOUT: '3s',
  MAIL_LEASE: '10s',
};

export interface MailTestContext extends TestContext {
  mailbox: TestMailbox;
}

/**
 * useTestApp plus a real SMTP server in this process (SMTP_URL points at it) and a running outbox
 * sender. Everything is built in beforeAll and stopped in afterAll.
 */
export function useMailTestApp(overrides: Record<string, string> = {}, options: Omit<ContainerOptions, 'config'> = {}): MailTestContext {
  const env: Record<string, string> = { ...MAIL_TEST_ENV, ...overrides };
  const holder = {} as { mailbox: TestMailbox };
  beforeAll(async () => {
    holder.mailbox = await startMailbox();
    env.SMTP_URL = holder.mailbox.url;
  });
  afterAll(async () => {
    await ctx.container?.jobs.outbox.stop(0);
    await holder.mailbox?.stop();
  });
  const ctx = useTestApp(env, options) as MailTestContext;
  beforeAll(() => {
    ctx.mailbox = holder.mailbox;
    ctx.container.jobs.outbox.start();
  });
  return ctx;
}
