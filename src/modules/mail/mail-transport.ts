import nodemailer from 'nodemailer';
import { logger } from '../../lib/logger';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable across retries, so a receiving server or client can tell a repeat. */
  messageId: string;
}

export interface MailTransport {
  /** Resolves once the receiving server accepted the message; rejects when it refused or was unreachable. */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<void>;
  close(): void;
}

export interface MailTransportOptions {
  smtpUrl?: string;
  from: string;
  sendTimeoutMs: number;
  /** Without SMTP: write whole mails (links included) to the log. Only ever true outside production. */
  logBodies: boolean;
  /** The log's line format, so a mail written to it keeps JSON output parseable line by line. */
  logFormat?: 'json' | 'pretty';
}

function createSmtpTransport(options: MailTransportOptions & { smtpUrl: string }): MailTransport {
  const timeout = options.sendTimeoutMs;
  const transporter = nodemailer.createTransport(
    { url: options.smtpUrl, connectionTimeout: timeout, greetingTimeout: timeout, socketTimeout: timeout, socketCloseTimeout: 0 },
    { from: options.from },
  );
  return {
    async send(mail, signal) {
      const info = await transporter.sendMail({ ...mail, signal });
      if (info.rejected.length > 0) throw new Error(`recipient refused: ${info.response}`);
    },
    close: () => transporter.close(),
  };
}

/** Development's stand-in for SMTP: the whole mail goes to stdout, past the logger's token redaction. */
function createLogTransport(options: MailTransportOptions): MailTransport {
  return {
    async send(mail) {
      if (!options.logBodies) {
        logger.warn('mail not sent: SMTP_URL is not set', { to: mail.to, subject: mail.subject, messageId: mail.messageId });
        return;
      }
      if (logger.silent) return;
      const message = 'mail (development, not sent)';
      if (options.logFormat === 'json') {
        const entry = { level: 'info', message, to: mail.to, subject: mail.subject, text: mail.text, timestamp: new Date().toISOString() };
        process.stdout.write(`${JSON.stringify(entry)}\n`);
        return;
      }
      const rule = '-'.repeat(72);
      process.stdout.write(`${rule}\n${message} to ${mail.to}: ${mail.subject}\n\n${mail.text}\n${rule}\n`);
    },
    close: () => undefined,
  };
}

/** SMTP when SMTP_URL is set (smtp:// or smtps://, credentials in the URL), else the log. */
export function createMailTransport(options: MailTransportOptions): MailTransport {
  return options.smtpUrl ? createSmtpTransport({ ...options, smtpUrl: options.smtpUrl }) : createLogTransport(options);
}
