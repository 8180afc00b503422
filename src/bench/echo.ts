/**
 * The bench's yardstick: a bare Hono JSON echo server on @hono/node-server, the same framework and runtime as
 * Laurel with none of its work. `laurel bench` drives it with the same load as the vote, so the ratio of the two
 * throughputs says what Laurel's own work costs on this machine. Started as a child process; prints its port.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/echo', async (c) => c.json(await c.req.json(), 201));

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 0) }, (info) => {
  console.log(JSON.stringify({ port: info.port }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
