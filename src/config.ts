/**
 * Configuration: read once from the environment, validated, frozen. A missing or malformed setting fails at
 * start with a message that names it. Works from process.env (Node) and from a Worker's env bindings alike.
 */
import { z } from 'zod';

const ConfigSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** unset or file:PATH for SQLite; postgres://… for PostgreSQL. Workers use the D1 binding instead. */
  DATABASE_URL: z.string().optional(),
  /** Base URL used in mailed links, e.g. https://awards.example.org. */
  PUBLIC_URL: z.string().url().optional(),
  /** 32+ bytes as hex or base64url; wraps peppers and keys. Required in production and on Workers. */
  MASTER_SECRET: z
    .string()
    .min(32, 'MASTER_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)')
    .optional(),
  /** smtp://user:pass@host:587 or smtps://… ; unset on Node: mail goes to the log and the dev outbox page. */
  SMTP_URL: z.string().optional(),
  /** An HTTP mail API (Resend-compatible JSON) for Workers: URL and key. */
  MAIL_API_URL: z.string().url().optional(),
  MAIL_API_KEY: z.string().optional(),
  MAIL_FROM: z.string().default('Laurel <laurel@localhost>'),
  /** Outbox throttle: messages per minute and per rolling day, to stay within the provider's caps. */
  MAIL_PER_MINUTE: z.coerce.number().int().positive().default(60),
  MAIL_PER_DAY: z.coerce.number().int().positive().default(2000),
  /** One-time token that creates the first organizer where there is no shell (Workers). */
  BOOTSTRAP_TOKEN: z.string().min(16, 'BOOTSTRAP_TOKEN must be at least 16 characters').optional(),
  /** Trust X-Forwarded-For / CF-Connecting-IP only when set (behind a known proxy). */
  TRUST_PROXY: z.enum(['none', 'x-forwarded-for', 'cloudflare']).default('none'),
  NODE_ENV: z.string().default('development'),
  /** Seed the STEM4ALL example on first start when the database holds no award. */
  SEED_EXAMPLE: z.enum(['0', '1']).default('1'),
  SESSION_HOURS: z.coerce.number().positive().default(12),
  /** Rate limits per minute (src/abuse/limits.ts has the defaults: 120, 30, 60). */
  RATE_BALLOTS_PER_ADDRESS: z.coerce.number().int().positive().optional(),
  RATE_BALLOTS_PER_PERSON: z.coerce.number().int().positive().optional(),
  RATE_VERIFY_PER_ADDRESS: z.coerce.number().int().positive().optional(),
});

export type Config = Readonly<z.infer<typeof ConfigSchema>> & {
  readonly production: boolean;
  /** Mail that is only logged (no SMTP_URL or MAIL_API_URL): the dev outbox page is on. */
  readonly devMail: boolean;
};

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = ConfigSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Laurel cannot start: invalid configuration\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const production = c.NODE_ENV === 'production';
  if (production && !c.MASTER_SECRET)
    throw new ConfigError('Laurel cannot start: MASTER_SECRET is required in production.');
  if (c.MAIL_API_URL && !c.MAIL_API_KEY) throw new ConfigError('Laurel cannot start: MAIL_API_URL needs MAIL_API_KEY.');
  return Object.freeze({ ...c, production, devMail: !c.SMTP_URL && !c.MAIL_API_URL });
}
