/** Node entry: open the database, build the deps, serve; run the schedule and the mail outbox on timers. */
import { serve } from '@hono/node-server';
import { createApp } from './app';
import { seedExample } from './ceremonies/seed';
import type { AwardDefinitionInput } from './ceremonies/schemas';
import { loadNodeConfig, nodeDeps, readExample } from './runtime/node';
import { scheduledWork } from './scheduled';

const config = loadNodeConfig();
const deps = await nodeDeps(config);
if (config.SEED_EXAMPLE === '1') {
  const seeded = await seedExample(deps, readExample() as AwardDefinitionInput);
  if (seeded) console.log(`Seeded the example award "${seeded}".`);
}
const app = createApp(deps);

const tick = async () => {
  try {
    const { moves } = await scheduledWork(deps);
    for (const move of moves) console.log(JSON.stringify({ level: 'info', msg: 'phase moved by schedule', ...move }));
  } catch (err) {
    console.error(JSON.stringify({ level: 'error', msg: 'scheduled work failed', error: String(err) }));
  }
};
const timer = setInterval(tick, 15_000);
void tick();

const server = serve({ fetch: app.fetch, port: config.PORT }, (info) => {
  console.log(`Laurel is serving on http://localhost:${info.port} (${deps.store.dialect})`);
});

const stop = async () => {
  clearInterval(timer);
  server.close();
  await deps.store.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
