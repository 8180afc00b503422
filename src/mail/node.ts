/** Node's choice of mail transport: SMTP_URL (nodemailer), else MAIL_API_URL (+ MAIL_API_KEY), else the log. */
import { smtpTransport } from './smtp';
import { type MailConfig, webTransportFromConfig } from './transports';
import type { MailTransport } from './types';

export function transportFromConfig(config: MailConfig, log?: (line: string) => void): MailTransport {
  if (config.SMTP_URL) return smtpTransport(config.SMTP_URL);
  return webTransportFromConfig(config, log);
}
