/**
 * The `laurel` command. Each command imports its own modules when it runs: `laurel verify` and `laurel tally` need
 * no database and should not pay for loading the whole app (2 s and 95 MB before the first byte of a bundle is
 * read, docs/performance.md). The database commands are in src/admin/commands.ts.
 */
import { parseArgs } from 'node:util';
// node:crypto's synchronous primitives for every command (the ballot log's tree in verify, bench, bundle).
import './runtime/crypto';
import { ApiError } from './errors';

const usage = (demo: string, bench: string) => `laurel: run and audit awards

Usage:
  laurel migrate                              apply database migrations
  laurel import FILE [--open]                 create an award from a definition (draft; --open starts nominations)
  laurel export SLUG [--out FILE]             print an award's definition (the import format)
  laurel seed                                 import the STEM4ALL example if the database has no award
  laurel organizer add EMAIL [--ceremony SLUG]
                                              make EMAIL a site organizer, or an organizer of one award
  laurel phase SLUG PHASE                     move an award to nominating, voting or judging
  laurel tick                                 run due schedule moves and deliver queued mail once
  laurel chain SLUG|site                      verify an event chain in the database
  laurel backup [FILE]                        online backup of the SQLite database (default data/backup-<time>.sqlite),
                                              then checked (integrity, every event chain)
  laurel restore BACKUP [--force]             check a backup and put it in place of the SQLite database (stop Laurel
                                              first; --force replaces an existing database)
  laurel tally FILE [--details]               recount a neutral tally file or a results document (no database)
  laurel finalize SLUG | laurel announce SLUG  finalize (compute, sign, store) or announce an award's results
  laurel keys rotate results|sessions         new signing key; old public keys stay published (results)
  laurel bundle SLUG [--out FILE] [--ndjson]  write an announced award's audit bundle (JSON, or NDJSON for large ones)
  laurel verify BUNDLE [--witness SEQ:HASH]… [--json]
                                              check an audit bundle and recount it (no database)
${demo}
${bench}

Environment: DATABASE_URL (file:PATH or postgres://…), MASTER_SECRET, SMTP_URL; see README.md.`;

/** The commands of src/admin/commands.ts (they open the database). */
const DATABASE_COMMANDS = new Set([
  'migrate',
  'import',
  'export',
  'seed',
  'organizer',
  'phase',
  'tick',
  'chain',
  'backup',
  'restore',
  'finalize',
  'announce',
  'keys',
  'bundle',
]);

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      open: { type: 'boolean' },
      out: { type: 'string' },
      ceremony: { type: 'string' },
      witness: { type: 'string', multiple: true },
      details: { type: 'boolean' },
      seed: { type: 'string' },
      voters: { type: 'string' },
      quiet: { type: 'boolean' },
      json: { type: 'boolean' },
      ndjson: { type: 'boolean' },
      force: { type: 'boolean' },
      seconds: { type: 'string' },
      ballots: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const write = { out: (t: string) => flushed(process.stdout, t), err: (t: string) => flushed(process.stderr, t) };
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    await write.out(`${await fullUsage()}\n`);
    return values.help ? 0 : 2;
  }
  switch (command) {
    case 'demo':
      // The demo starts its own server on a throw-away database: no DATABASE_URL, no deps of the CLI's.
      return (await import('./demo/command')).demoCommand(values, write);
    case 'verify':
      return (await import('./verify/command')).verifyCommand(rest[0], values, write);
    case 'bench':
      return (await import('./bench/command')).benchCommand(values, write);
    case 'tally':
      if (!rest[0]) throw new ApiError('bad-request', 'Missing FILE; see laurel --help.');
      return (await import('./tally/command')).tallyCommand(rest[0], values.details === true, write);
  }
  if (!DATABASE_COMMANDS.has(command)) {
    await write.err(`Unknown command "${command}".\n\n${await fullUsage()}\n`);
    return 2;
  }
  return (await import('./admin/commands')).databaseCommand(command, rest, values, write);
}

/** The whole usage text (the demo's and the bench's parts come from their modules). */
async function fullUsage(): Promise<string> {
  const [{ DEMO_USAGE }, { BENCH_USAGE }] = await Promise.all([import('./demo/command'), import('./bench/command')]);
  return usage(DEMO_USAGE, BENCH_USAGE);
}

/** Writes `text` and waits until the stream took it: main() ends in process.exit, which drops what a pipe has not. */
function flushed(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
}

// LAUREL_REPORT_RSS=1: the peak resident memory on stderr at exit, for `laurel bench` measuring `laurel verify`.
if (process.env.LAUREL_REPORT_RSS)
  process.on('exit', () => process.stderr.write(`${JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS })}\n`));

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof ApiError) console.error(`laurel: ${err.detail}`);
    else console.error(err);
    process.exit(1);
  },
);
