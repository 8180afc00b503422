/** @jsxImportSource hono/jsx */
/**
 * The dev outbox: with no real transport (no SMTP_URL or MAIL_API_URL) mail only goes to the log, and this page
 * shows it, addresses and bodies included, so a developer can sign in with an emailed code. The app mounts it
 * (at /dev/outbox) only then; a real transport blanks delivered mail anyway.
 */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { type ZodError, z } from 'zod';
import type { OutboxRow } from '../../db/schema';
import { ApiError, onError, validationError } from '../errors';
import type { Store } from '../store/store';

const LIST_LIMIT = 100;

const LatestQuery = z.object({ to: z.string().trim().min(1, 'Name the recipient: ?to=ADDRESS').max(320) });

/** The JSON shape of one message on `/latest`. */
export interface DevMessage {
  id: string;
  kind: string;
  ceremonyId: string | null;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  status: string;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  sentAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function toDevMessage(row: OutboxRow): DevMessage {
  return {
    id: row.id,
    kind: row.kind,
    ceremonyId: row.ceremony_id,
    to: row.to_address,
    subject: row.subject,
    text: row.text_body,
    html: row.html_body,
    status: row.status,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: iso(row.created_at)!,
    sentAt: iso(row.sent_at),
  };
}

function OutboxPage({ rows }: { rows: OutboxRow[] }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>Dev outbox</title>
        <style>{`body{font-family:system-ui,sans-serif;margin:1rem;max-width:60rem}
table{border-collapse:collapse;width:100%}th,td{border-top:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}`}</style>
      </head>
      <body>
        <main>
          <h1>Dev outbox</h1>
          <p>
            Mail is not sent: no SMTP_URL or MAIL_API_URL is set. The newest {LIST_LIMIT} messages, newest first. JSON
            of the latest message to an address: <code>latest?to=ADDRESS</code>.
          </p>
          {rows.length === 0 ? (
            <p>No mail yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Time (UTC)</th>
                  <th scope="col">To</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <>
                    <tr id={row.id}>
                      <td>
                        <time datetime={iso(row.created_at)!}>
                          {iso(row.created_at)!.replace('T', ' ').slice(0, 19)}
                        </time>
                      </td>
                      <td>{row.to_address}</td>
                      <td>{row.subject}</td>
                      <td>
                        {row.status}
                        {row.last_error ? ` (${row.last_error})` : ''}
                      </td>
                    </tr>
                    <tr>
                      <td colspan={4}>
                        <pre>{row.text_body}</pre>
                      </td>
                    </tr>
                  </>
                ))}
              </tbody>
            </table>
          )}
        </main>
      </body>
    </html>
  );
}

export function devOutboxRoutes(store: Store) {
  const app = new Hono();
  app.onError(onError);
  app.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });

  app.get('/', async (c) => {
    const rows = await store.db
      .selectFrom('outbox')
      .selectAll()
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(LIST_LIMIT)
      .execute();
    return c.html(`<!doctype html>${(<OutboxPage rows={rows} />)}`);
  });

  app.get(
    '/latest',
    zValidator('query', LatestQuery, (result) => {
      if (!result.success) throw validationError(result.error as ZodError, 'query');
    }),
    async (c) => {
      const { to } = c.req.valid('query');
      const row = await store.db
        .selectFrom('outbox')
        .selectAll()
        .where((eb) => eb(eb.fn('lower', ['to_address']), '=', to.toLowerCase()))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!row) throw new ApiError('not-found', 'No mail to that address in the outbox.');
      return c.json(toDevMessage(row));
    },
  );

  return app;
}
