/**
 * The HTTP half of `laurel bench`: the real server (src/server.ts) in a child process on a fresh database, voters
 * verified beforehand, ballots cast at a fixed number of connections for a fixed time; then the same load against
 * a bare Hono echo server (src/bench/echo.ts), so that the figures are a ratio on the same machine.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { AwardDefinition } from '../ceremonies/schemas';
import { createAward, movePhase, requireAward } from '../ceremonies/service';
import { loadConfig } from '../config';
import { emailIdentity, personKey } from '../identity/people';
import { issueVoterSession } from '../identity/sessions';
import type { AwardRows } from '../ceremonies/model';
import type { AppDeps } from '../deps';
import { nodeDeps, readExample } from '../runtime/node';
import { spawnTsx, stderrTail } from './child';

export interface LoadOptions {
  /** Environment of the server child (DATABASE_URL, MASTER_SECRET, …). */
  env: Record<string, string>;
  connections: number;
  seconds: number;
  /** Voters verified beforehand; each votes once per category. */
  voters: number;
}

export interface LoadFigures {
  rps: number;
  p50_ms: number;
  p99_ms: number;
  requests: number;
  /** Responses other than 2xx, and socket errors or timeouts. */
  failures: number;
}

interface Ballot {
  token: string;
  category: string;
  nominee: string;
}

/**
 * The STEM4ALL example without its schedule (phases move by hand), created and opened for voting; under another
 * slug when `slug` is given (the two halves of the bench share one PostgreSQL database).
 */
export async function openExampleVote(deps: AppDeps, slug?: string): Promise<AwardRows> {
  const { schedule: _schedule, ...definition } = readExample() as Record<string, unknown>;
  const { id } = await createAward(deps, AwardDefinition.parse({ ...definition, ...(slug ? { slug } : {}) }), 'cli');
  await movePhase(deps, await requireAward(deps, id), 'nominating', 'cli', 'hand');
  await movePhase(deps, await requireAward(deps, id), 'voting', 'cli', 'hand');
  return requireAward(deps, id);
}

/** The example open for voting and `voters` verified voters' ballots. */
export async function prepareVote(
  env: Record<string, string>,
  voters: number,
): Promise<{ slug: string; ballots: Ballot[] }> {
  const deps = await nodeDeps(loadConfig(env));
  try {
    const award = await openExampleVote(deps);
    const id = award.ceremony.id;
    const ballots: Ballot[] = [];
    for (let v = 0; v < voters; v++) {
      // As if verified by email code: the session carries the address, so every ballot queues its receipt mail.
      const email = `voter${v}@bench.example`;
      const key = await personKey(deps, award.ceremony, emailIdentity(email));
      const { token } = await issueVoterSession(deps, { ceremonyId: id, personKey: key, method: 'email', email });
      award.categories.forEach((cat, i) => {
        const nominees = award.nominees.filter((n) => n.category_id === cat.id);
        ballots.push({ token, category: cat.slug, nominee: nominees[(v + i) % nominees.length]!.slug });
      });
    }
    return { slug: award.ceremony.slug, ballots };
  } finally {
    await deps.store.close();
  }
}

/** Starts `node --import tsx SCRIPT` and waits for the line that names its port. */
export async function startChild(
  script: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawnTsx([script], { ...env, PORT: '0' });
  const errors = stderrTail(child);
  const lines = createInterface({ input: child.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before serving: ${errors()}`)));
    lines.on('line', (line) => {
      const m = /"port":(\d+)|localhost:(\d+)/.exec(line);
      if (m) resolve(Number(m[1] ?? m[2]));
    });
  });
  // Keep draining its output (a full pipe would stall the server), without keeping it.
  lines.on('line', () => {});
  return { child, port };
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** Drives POST requests built by `body(i)` at `connections` for `seconds` (after a 2 s warm-up). */
export async function drive(
  url: string,
  opts: { connections: number; seconds: number },
  request: (i: number) => { headers: Record<string, string>; body: string },
): Promise<LoadFigures> {
  let i = 0;
  const options: autocannon.Options & { warmup: { connections: number; duration: number } } = {
    url,
    method: 'POST',
    connections: opts.connections,
    duration: opts.seconds,
    warmup: { connections: opts.connections, duration: 2 },
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const r = request(i++);
          return { ...req, headers: { 'content-type': 'application/json', ...r.headers }, body: r.body };
        },
      },
    ],
  };
  const result = await autocannon(options);
  return {
    rps: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    requests: result.requests.total,
    failures: result.non2xx + result.errors + result.timeouts,
  };
}

/** The vote under load, then the echo server under the same load. */
export async function measureLoad(opts: LoadOptions): Promise<{ vote: LoadFigures; echo: LoadFigures }> {
  const { slug, ballots } = await prepareVote(opts.env, opts.voters);
  const server = await startChild('src/server.ts', opts.env);
  let vote: LoadFigures;
  try {
    vote = await drive(`http://127.0.0.1:${server.port}/api/ceremonies/${slug}/ballots`, opts, (i) => {
      // Past the prepared ballots the same voters come again: refused (409), and counted as failures.
      const b = ballots[i % ballots.length]!;
      return {
        headers: { authorization: `Bearer ${b.token}` },
        body: JSON.stringify({
          category: b.category,
          nominee: b.nominee,
          nonce: `n${i.toString(36).padStart(16, '0')}`,
        }),
      };
    });
  } finally {
    await stopChild(server.child);
  }
  const echoServer = await startChild('src/bench/echo.ts', {});
  try {
    const sample = ballots[0]!;
    const echo = await drive(`http://127.0.0.1:${echoServer.port}/echo`, opts, (i) => ({
      headers: { authorization: `Bearer ${sample.token}` },
      body: JSON.stringify({
        category: sample.category,
        nominee: sample.nominee,
        nonce: `n${i.toString(36).padStart(16, '0')}`,
      }),
    }));
    return { vote, echo };
  } finally {
    await stopChild(echoServer.child);
  }
}
