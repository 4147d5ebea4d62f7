import { createMailTransport } from '../mail-transport';
import { logger } from '../../../lib/logger';

const MAIL = {
  to: 'ada@example.test',
  subject: 'Keyhold: Reset your password',
  text: 'Choose a new password:\nhttp://localhost:3000/reset-password?token=secret-token-value',
  html: '<p>...</p>',
  messageId: '<1@keyhold.test>',
};

describe('createMailTransport without SMTP_URL', () => {
  const wasSilent = logger.silent;
  beforeEach(() => {
    logger.silent = false;
  });
  afterEach(() => {
    logger.silent = wasSilent;
    jest.restoreAllMocks();
  });

  it('when in development, then the whole mail, link and token included, is written to the log output', async () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);

    await createMailTransport({ from: 'Keyhold <no-reply@keyhold.test>', sendTimeoutMs: 1000, logBodies: true }).send(MAIL);

    expect(written.join('')).toContain('reset-password?token=secret-token-value');
  });

  it('when the log is JSON, then the mail is one JSON line with its text', async () => {
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);

    await createMailTransport({ from: 'Keyhold <no-reply@keyhold.test>', sendTimeoutMs: 1000, logBodies: true, logFormat: 'json' }).send(
      MAIL,
    );

    const lines = written.join('').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', to: MAIL.to, subject: MAIL.subject, text: MAIL.text });
  });

  it('when in production, then only who and what is logged, never the body with its token', async () => {
    const warn = jest.spyOn(logger, 'warn').mockImplementation(() => logger);
    const written: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);

    await createMailTransport({ from: 'Keyhold <no-reply@keyhold.test>', sendTimeoutMs: 1000, logBodies: false }).send(MAIL);

    expect(warn).toHaveBeenCalledWith('mail not sent: SMTP_URL is not set', {
      to: MAIL.to,
      subject: MAIL.subject,
      messageId: MAIL.messageId,
    });
    expect(JSON.stringify(warn.mock.calls)).not.toContain('secret-token-value');
    expect(written.join('')).not.toContain('secret-token-value');
  });
});
