/**
 * The commands that work on Laurel's database (DATABASE_URL, default ./data/laurel.sqlite): migrate, import,
 * export, seed, organizer, phase, tick, chain, backup, restore, finalize, announce, keys, bundle. src/cli.ts
 * imports this module only for them, so `laurel verify` and `laurel tally` do not load the app.
 */
import { type WriteStream, createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { verifyChain } from '../audit/chain';
import { SITE_CHAIN, listEvents } from '../audit/log';
import { bundleJson, bundleNdjson, bundleParts } from '../bundle/export';
import { rowsToDefinition } from '../ceremonies/model';
import { loadAwardRows } from '../ceremonies/repository';
import { AwardDefinition, Phase } from '../ceremonies/schemas';
import { seedExample } from '../ceremonies/seed';
import { createAward, movePhase, requireAward } from '../ceremonies/service';
import type { AppDeps } from '../deps';
import { ApiError } from '../errors';
import { addOrganizer } from '../organizers/service';
import { announceResults, finalizeResults, resultsArePublic } from '../results/service';
import { rotateResultsKey } from '../results/signing';
import { loadNodeConfig, nodeDeps, readExample } from '../runtime/node';
import { scheduledWork } from '../scheduled';
import { backupSqlite, checkSqliteFile, restoreSqlite } from '../store/backup';

export interface CommandOutput {
  out: (text: string) => Promise<void>;
  err: (text: string) => Promise<void>;
}

export async function databaseCommand(
  command: string,
  args: string[],
  values: { open?: boolean; out?: string; ceremony?: string; ndjson?: boolean; force?: boolean },
  write: CommandOutput,
): Promise<number> {
  const config = loadNodeConfig();
  if (command === 'backup' || command === 'restore') {
    if (config.DATABASE_URL?.startsWith('postgres')) {
      console.error(`On PostgreSQL use pg_dump and pg_restore (see docs/deploy.md); laurel ${command} is for SQLite.`);
      return 2;
    }
    return command === 'backup'
      ? backupCommand(config.DATABASE_URL, args[0])
      : restoreCommand(config.DATABASE_URL, need(args[0], 'BACKUP'), values.force === true);
  }
  const deps = await nodeDeps(config);
  try {
    return await run(deps, write, command, args, values);
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

async function run(
  deps: AppDeps,
  write: CommandOutput,
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
      else await write.out(text);
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
      console.error(`Unknown command "${command}"; see laurel --help.`);
      return 2;
  }
}

export function need(value: string | undefined, name: string): string {
  if (!value) throw new ApiError('bad-request', `Missing ${name}; see laurel --help.`);
  return value;
}
