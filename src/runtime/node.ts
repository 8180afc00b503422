/** Node wiring shared by the server and the CLI: configuration, master secret, store, mailer, keys. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, ConfigError, loadConfig } from '../config';
import type { AppDeps } from '../deps';
import { createSessionKeys } from '../keys/sessions';
import { createWrapper, randomBytes, toBase64Url } from '../keys/wrap';
import { transportFromConfig } from '../mail/node';
import { createMailer } from '../mail/outbox';
import { openMigratedStore } from '../store/node';
// Hashes, HMACs and AES-GCM with node:crypto on Node (src/runtime/crypto.ts).
import './crypto';

export const EXAMPLE_PATH = fileURLToPath(new URL('../../examples/stem4all-2024.json', import.meta.url));
const KEY_FILE = 'data/master.key';

/**
 * The master secret: MASTER_SECRET, or on a development machine with SQLite a random one kept in
 * data/master.key (created on first start). PostgreSQL means several servers may share the database, and a
 * file on one machine would not do: there it must be set.
 */
export function masterSecret(config: Config): string {
  if (config.MASTER_SECRET) return config.MASTER_SECRET;
  if (config.DATABASE_URL?.startsWith('postgres'))
    throw new ConfigError(
      'Laurel cannot start: MASTER_SECRET is required with PostgreSQL (every server needs the same one).',
    );
  if (existsSync(KEY_FILE)) return readFileSync(KEY_FILE, 'utf8').trim();
  mkdirSync(dirname(KEY_FILE), { recursive: true });
  const secret = toBase64Url(randomBytes(32));
  writeFileSync(KEY_FILE, secret + '\n', { mode: 0o600 });
  chmodSync(KEY_FILE, 0o600);
  console.warn(
    `No MASTER_SECRET set: created ${KEY_FILE}. Back it up with the database; set MASTER_SECRET in production.`,
  );
  return secret;
}

export async function nodeDeps(config: Config, clock: () => number = Date.now): Promise<AppDeps> {
  const store = await openMigratedStore(config.DATABASE_URL);
  const wrapper = await createWrapper(masterSecret(config));
  const mailer = createMailer({
    store,
    transport: transportFromConfig(config),
    from: config.MAIL_FROM,
    perMinute: config.MAIL_PER_MINUTE,
    perDay: config.MAIL_PER_DAY,
    clock,
    devMail: config.devMail,
  });
  return { store, config, clock, mailer, wrapper, sessions: createSessionKeys(store.db, wrapper, clock) };
}

export function loadNodeConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

export function readExample(): unknown {
  return JSON.parse(readFileSync(EXAMPLE_PATH, 'utf8'));
}
