import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { prepareVote } from './load';
import { loadConfig } from '../config';
import { nodeDeps } from '../runtime/node';
import { createApp } from '../app';
const dir = mkdtempSync(join(tmpdir(), 'bench-'));
const env = { DATABASE_URL: `file:${join(dir, 'b.sqlite')}`, MASTER_SECRET: randomBytes(32).toString('base64url'), SEED_EXAMPLE: '0', NODE_ENV: 'production',
  RATE_BALLOTS_PER_ADDRESS: '100000000', RATE_BALLOTS_PER_PERSON: '100000000', RATE_VERIFY_PER_ADDRESS: '100000000' };
const { slug, ballots } = await prepareVote(env, 200);
const deps = await nodeDeps(loadConfig(env));
const app = createApp(deps);
const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start');
const t = performance.now(); const cpu0 = process.cpuUsage();
const N = 1500;
await Promise.all(Array.from({length: 32}, async (_, w) => { for (let i = w; i < N; i += 32) {
  const b = ballots[i]!;
  const res = await app.request(`/api/ceremonies/${slug}/ballots`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${b.token}` }, body: JSON.stringify({ category: b.category, nominee: b.nominee, nonce: `n${i.toString().padStart(16,'0')}` }) });
  if (res.status !== 201) console.log(res.status, await res.text());
}}));
const ms = performance.now() - t; const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/vote.cpuprofile', JSON.stringify(profile));
const cpu = process.cpuUsage(cpu0); console.log('per ballot ms', ms / N, 'cpu ms per ballot', (cpu.user + cpu.system) / 1000 / N);
const q = (globalThis as any).qlog as Map<string,[number,number]>; for (const [k,[n,d]] of [...q].sort((a,b)=>b[1][1]-a[1][1]).slice(0,14)) console.log(d.toFixed(0).padStart(6), String(n).padStart(6), k); process.exit(0);
