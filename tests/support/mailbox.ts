import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { findFreePort } from '../../scripts/lib/processes';

/** An SMTP server in the test process that keeps what it accepts, parsed by mailparser. */
export interface TestMailbox {
  readonly port: number;
  readonly url: string;
  readonly messages: ParsedMail[];
  /** Messages the server answered with an error reply. */
  readonly refused: ParsedMail[];
  /** Refuse the next `count` messages with this SMTP reply code (5xx permanent, 4xx temporary). */
  refuseNext(count: number, code?: number): void;
  /** Hold each message this long before answering, so concurrent senders overlap. */
  setDelay(ms: number): void;
  /** Stops listening: senders get "connection refused" until `start` again (same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Waits for the first message to `to` matching an optional subject pattern. */
  waitFor(to: string, subject?: RegExp, timeoutMs?: number): Promise<ParsedMail>;
  messagesTo(to: string): ParsedMail[];
  clear(): void;
}

const addressesOf = (mail: ParsedMail): string[] =>
  [mail.to ?? []].flat().flatMap((group) => group.value.map((entry) => entry.address?.toLowerCase() ?? ''));

export async function startMailbox(): Promise<TestMailbox> {
  const port = await findFreePort();
  const messages: ParsedMail[] = [];
  const refused: ParsedMail[] = [];
  let refusals: number[] = [];
  let delayMs = 0;
  let server: SMTPServer | null = null;

  function createServer(): SMTPServer {
    return new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 50,
      onData(stream, _session, callback) {
        simpleParser(stream)
          .then(async (mail) => {
            if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
            const code = refusals.shift();
            if (code !== undefined) {
              refused.push(mail);
              callback(Object.assign(new Error(`refused by the test mailbox (${code})`), { responseCode: code }));
              return;
            }
            messages.push(mail);
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
  }

  const mailbox: TestMailbox = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    refused,
    refuseNext(count, code = 550) {
      refusals = Array.from({ length: count }, () => code);
    },
    setDelay(ms) {
      delayMs = ms;
    },
    async start() {
      const next = createServer();
      await new Promise<void>((resolve, reject) => {
        next.once('error', reject);
        next.listen(port, '127.0.0.1', () => resolve());
      });
      server = next;
    },
    async stop() {
      const current = server;
      server = null;
      if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
    },
    async waitFor(to, subject, timeoutMs = 10_000) {
      const giveUpAt = Date.now() + timeoutMs;
      for (;;) {
        const found = mailbox.messagesTo(to).find((mail) => !subject || subject.test(mail.subject ?? ''));
        if (found) return found;
        if (Date.now() > giveUpAt) throw new Error(`no mail to ${to}${subject ? ` matching ${subject}` : ''} within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    messagesTo(to) {
      return messages.filter((mail) => addressesOf(mail).includes(to.toLowerCase()));
    },
    clear() {
      messages.length = 0;
      refused.length = 0;
    },
  };
  await mailbox.start();
  return mailbox;
}

/** The token of the mail's link to `<APP_URL>/<page>?token=...`, read from the plain-text part. */
export function linkTokenOf(mail: ParsedMail, page: 'reset-password' | 'verify-email' | 'revert-email'): string {
  const match = new RegExp(`/${page}\\?token=([A-Za-z0-9_-]+)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${page} link in mail "${mail.subject ?? ''}"`);
  return match[1]!;
}
