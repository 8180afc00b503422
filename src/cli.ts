/**
 * The `laurel` command. Most commands open the database named by DATABASE_URL (default ./data/laurel.sqlite);
 * `tally`, `backup` and `restore` do not go through the app's dependencies.
 */
import { type WriteStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { verifyChain } from './audit/chain';
import { SITE_CHAIN, listEvents } from './audit/log';
import { rowsToDefinition } from './ceremonies/model';
import { loadAwardRows } from './ceremonies/repository';
import { AwardDefinition, Phase } from './ceremonies/schemas';
import { createAward, movePhase, requireAward } from './ceremonies/service';
import { scheduledWork } from './scheduled';
import { seedExample } from './ceremonies/seed';
import { DEMO_USAGE, demoCommand } from './demo/command';
import { verifyCommand } from './verify/command';
import { BENCH_USAGE, benchCommand } from './bench/command';
import type { AppDeps } from './deps';
import { ApiError } from './errors';
import { addOrganizer } from './organizers/service';
import { announceResults, finalizeResults, resultsArePublic } from './results/service';
import { bundleJson, bundleNdjson, bundleParts } from './bundle/export';
import { rotateResultsKey } from './results/signing';
import { loadNodeConfig, nodeDeps, readExample } from './runtime/node';
import { backupSqlite, checkSqliteFile, restoreSqlite } from './store/backup';
import { tally, TallyInputError, type TallyResult } from './tally';
import { differences, parseTallyInput } from './tally/input';

const USAGE = `laurel: run and audit awards

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
${DEMO_USAGE}
${BENCH_USAGE}

Environment: DATABASE_URL (file:PATH or postgres://…), MASTER_SECRET, SMTP_URL; see README.md.`;

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
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  // The demo starts its own server on a throw-away database: no DATABASE_URL, no deps of the CLI's.
  if (command === 'demo')
    return demoCommand(values, { out: (t) => flushed(process.stdout, t), err: (t) => flushed(process.stderr, t) });
  if (command === 'verify')
    return verifyCommand(rest[0], values, {
      out: (t) => flushed(process.stdout, t),
      err: (t) => flushed(process.stderr, t),
    });
  if (command === 'bench')
    return benchCommand(values, { out: (t) => flushed(process.stdout, t), err: (t) => flushed(process.stderr, t) });
  if (command === 'tally') return tallyFile(need(rest[0], 'FILE'), values.details === true);
  const config = loadNodeConfig();
  if (command === 'backup' || command === 'restore') {
    if (config.DATABASE_URL?.startsWith('postgres')) {
      console.error(`On PostgreSQL use pg_dump and pg_restore (see docs/deploy.md); laurel ${command} is for SQLite.`);
      return 2;
    }
    return command === 'backup'
      ? backupCommand(config.DATABASE_URL, rest[0])
      : restoreCommand(config.DATABASE_URL, need(rest[0], 'BACKUP'), values.force === true);
  }
  const deps = await nodeDeps(config);
  try {
    return await run(deps, command, rest, values);
  } finally {
    await deps.store.close();
  }
}

/** `laurel backup [FILE]`: the online copy, then the restore's checks on it, so a bad copy is known at once. */
async function backupCommand(databaseUrl: string | undefined, file: string | undefined): Promise<number> {
  const target = file ?? `data/backup-${new Date().toISOString().replace(/[:.]/g, '-')}.sqlite`;
  const pages = await backupSqlite(databaseUrl, target);
  const check = await checkSqliteFile(target);
  if (check.problems.length) {
    console.error(`The copy in ${target} fails its checks; do not rely on it:`);
    for (const p of check.problems) console.error(`  ${p}`);
    return 1;
  }
  console.log(
    `Backed up ${pages} pages to ${target}; integrity ok, ${check.chains} event chains (${check.events} events) verify. Keep the master secret (MASTER_SECRET or data/master.key) with it.`,
  );
  return 0;
}

/** `laurel restore BACKUP [--force]`: see restoreSqlite. */
async function restoreCommand(databaseUrl: string | undefined, backup: string, force: boolean): Promise<number> {
  const done = await restoreSqlite(databaseUrl, backup, { force });
  console.log(
    `Restored ${backup} to ${done.target} (${done.pages} pages; integrity ok, ${done.chains} event chains with ${done.events} events verify). Start Laurel with the master secret of the backup.`,
  );
  return 0;
}

/**
 * `laurel tally FILE`: tallies a file in the neutral format (a shared test vector works as is) and prints the result
 * JSON; with an `expected` member, also says on stderr whether the result matches it (exit 1 when not).
 */
/**
 * A results document (`laurel-results/1`, alone or as GET …/results answers it) recounts as its own `input` with
 * its `result` as the expected block: the outside recount of signed results.
 */
function asNeutralFile(json: unknown): unknown {
  const doc = (json as { document?: unknown })?.document ?? json;
  if ((doc as { format?: unknown })?.format !== 'laurel-results/1') return json;
  const { input, result } = doc as { input: Record<string, unknown>; result: unknown };
  return { ...input, expected: result };
}

async function tallyFile(file: string, withDetails: boolean): Promise<number> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`laurel: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  json = asNeutralFile(json);
  let result: TallyResult;
  try {
    result = await tally(parseTallyInput(json));
  } catch (err) {
    if (!(err instanceof TallyInputError)) throw err;
    console.error(`laurel: ${file}: ${err.message}`);
    return 1;
  }
  const { details: _details, ...neutral } = result;
  await flushed(process.stdout, JSON.stringify(withDetails ? result : neutral, null, 2) + '\n');
  if (typeof json !== 'object' || json === null || !('expected' in json)) return 0;
  const diff = differences(neutral, json.expected);
  if (diff.length === 0) {
    console.error('matches expected');
    return 0;
  }
  await flushed(process.stderr, `differs from expected:\n${diff.map((d) => `  ${d}`).join('\n')}\n`);
  return 1;
}

/** Writes `text` and waits until the stream took it: main() ends in process.exit, which drops what a pipe has not. */
function flushed(stream: NodeJS.WriteStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => stream.write(text, (err) => (err ? reject(err) : resolve())));
}

async function run(
  deps: AppDeps,
  command: string,
  args: string[],
  values: { open?: boolean; out?: string; ceremony?: string; ndjson?: boolean },
): Promise<number> {
  switch (command) {
    case 'migrate':
      console.log(`Database is migrated (${deps.store.dialect}).`);
      return 0;
    case 'import': {
      const file = need(args[0], 'FILE');
      const parsed = AwardDefinition.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) {
        console.error(`${file} is not a valid award definition:`);
        for (const issue of parsed.error.issues) console.error(`  ${issue.path.join('.')}: ${issue.message}`);
        return 1;
      }
      const { id } = await createAward(deps, parsed.data, 'cli');
      console.log(`Imported "${parsed.data.slug}" as a draft (${id}).`);
      if (values.open) {
        await movePhase(deps, await requireAward(deps, id), 'nominating', 'cli', 'hand');
        console.log('Nominations are open.');
      }
      return 0;
    }
    case 'export': {
      const rows = await loadAwardRows(deps.store.db, need(args[0], 'SLUG'));
      if (!rows) throw new ApiError('not-found', `No award "${args[0]}".`);
      const text = JSON.stringify(rowsToDefinition(rows), null, 2) + '\n';
      if (values.out) writeFileSync(values.out, text);
      else await flushed(process.stdout, text);
      return 0;
    }
    case 'bundle': {
      const award = await requireAward(deps, need(args[0], 'SLUG'));
      if (!resultsArePublic(award))
        throw new ApiError('wrong-phase', 'The audit bundle is published with the results: announce them first.');
      const parts = await bundleParts(deps, award);
      const chunks = values.ndjson ? bundleNdjson(parts) : bundleJson(parts);
      const out = values.out ? createWriteStream(values.out) : process.stdout;
      for await (const chunk of chunks) if (!out.write(chunk)) await once(out, 'drain');
      if (values.out) await new Promise((resolve) => (out as WriteStream).end(resolve));
      if (values.out) console.error(`Wrote the audit bundle of "${award.ceremony.slug}" to ${values.out}.`);
      return 0;
    }
    case 'seed': {
      const slug = await seedExample(deps, readExample() as never);
      console.log(slug ? `Seeded "${slug}".` : 'The database holds an award already; nothing seeded.');
      return 0;
    }
    case 'organizer': {
      if (args[0] !== 'add') throw new ApiError('bad-request', 'Usage: laurel organizer add EMAIL [--ceremony SLUG]');
      const email = need(args[1], 'EMAIL');
      const ceremonyId = values.ceremony ? (await requireAward(deps, values.ceremony)).ceremony.id : null;
      await addOrganizer(deps, email, ceremonyId, 'cli');
      console.log(
        `${email} is now an organizer of ${values.ceremony ? `"${values.ceremony}"` : 'the site (all awards)'}.`,
      );
      return 0;
    }
    case 'phase': {
      const award = await requireAward(deps, need(args[0], 'SLUG'));
      const to = Phase.parse(need(args[1], 'PHASE'));
      await movePhase(deps, award, to, 'cli', 'hand');
      console.log(`"${award.ceremony.slug}" moved from ${award.ceremony.phase} to ${to}.`);
      return 0;
    }
    case 'finalize': {
      const award = await requireAward(deps, need(args[0], 'SLUG'));
      const done = await finalizeResults(deps, award, 'cli');
      console.log(
        `"${award.ceremony.slug}" is finalized: results version ${done.version}, SHA-256 ${done.hash}, key ${done.kid}.`,
      );
      return 0;
    }
    case 'announce': {
      const award = await requireAward(deps, need(args[0], 'SLUG'));
      const done = await announceResults(deps, award, 'cli');
      console.log(`"${award.ceremony.slug}" results version ${done.version} are public (SHA-256 ${done.hash}).`);
      return 0;
    }
    case 'keys': {
      if (args[0] !== 'rotate' || !['results', 'sessions'].includes(args[1] ?? ''))
        throw new ApiError('bad-request', 'Usage: laurel keys rotate results|sessions');
      const kid = args[1] === 'results' ? await rotateResultsKey(deps) : await deps.sessions.rotate();
      console.log(
        `New ${args[1]} key ${kid}; older ${args[1] === 'results' ? 'public keys stay in /.well-known/jwks.json' : 'keys verify until retired'}.`,
      );
      return 0;
    }
    case 'tick': {
      const { moves, mail: report } = await scheduledWork(deps);
      for (const m of moves) console.log(`${m.slug}: ${m.from} → ${m.to}`);
      console.log(`Mail: ${report.sent} sent, ${report.failed} failed, ${report.deferred} deferred by the throttle.`);
      return 0;
    }
    case 'chain': {
      const which = need(args[0], 'SLUG');
      const chain = which === SITE_CHAIN ? SITE_CHAIN : (await requireAward(deps, which)).ceremony.id;
      const events = [];
      for (let after = 0; ;) {
        const page = await listEvents(deps.store.db, chain, { after, limit: 1000 });
        events.push(...page);
        if (page.length < 1000) break;
        after = page[page.length - 1]!.seq;
      }
      const result = await verifyChain(events);
      const head = events[events.length - 1];
      if (result.ok) {
        console.log(
          `Chain ${which}: ${events.length} events verify. Head ${head ? `${head.seq}:${head.hash}` : '(empty)'}`,
        );
        return 0;
      }
      for (const p of result.problems) console.error(`event ${p.seq}: ${p.problem}`);
      return 1;
    }
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new ApiError('bad-request', `Missing ${name}; see laurel --help.`);
  return value;
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
