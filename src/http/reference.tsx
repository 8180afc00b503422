/** The API reference page: rendered on the server from the OpenAPI document itself, no script, no CDN. */
import { raw } from 'hono/html';

type Doc = {
  info: { title: string; version: string; description?: string };
  paths?: Record<string, Record<string, Operation | undefined> | undefined>;
};
type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

export function apiReferencePage(doc: Doc) {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? 'Other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag)!.push({ method, path, op });
    }
  }
  const schemaRef = (schema: unknown) => {
    const ref = (schema as { $ref?: string } | undefined)?.$ref;
    return ref ? ref.split('/').pop() : schema ? 'inline schema' : '';
  };
  return (
    '<!doctype html>' +
    (
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{doc.info.title} reference</title>
          <style>
            {raw(
              'body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#1a1a1a}' +
                'code{background:#f2f2f2;padding:0 .25rem}.m{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}' +
                'section{border-top:1px solid #ccc;margin-top:1.5rem}li{margin:.75rem 0}small{color:#555}',
            )}
          </style>
        </head>
        <body>
          <h1>
            {doc.info.title} <small>{doc.info.version}</small>
          </h1>
          <p>{doc.info.description}</p>
          <p>
            The machine-readable document is <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1). Routes marked 🔒
            need <code>Authorization: Bearer TOKEN</code> from <code>POST /api/auth/token</code>.
          </p>
          {[...byTag.entries()].map(([tag, ops]) => (
            <section>
              <h2 id={tag.toLowerCase()}>{tag}</h2>
              <ul>
                {ops.map(({ method, path, op }) => (
                  <li>
                    <span class="m">{method}</span> <code>{path}</code> {op.security?.length ? '🔒' : ''}
                    <br />
                    {op.summary}
                    {op.description ? (
                      <div>
                        <small>{op.description}</small>
                      </div>
                    ) : (
                      ''
                    )}
                    {op.parameters?.length ? (
                      <div>
                        <small>
                          Parameters:{' '}
                          {op.parameters.map((p) => `${p.name} (${p.in}${p.required ? ', required' : ''})`).join(', ')}
                        </small>
                      </div>
                    ) : (
                      ''
                    )}
                    {op.requestBody?.content ? (
                      <div>
                        <small>
                          Body:{' '}
                          {Object.entries(op.requestBody.content)
                            .map(([type, c]) => `${type} ${schemaRef(c.schema)}`)
                            .join(', ')}
                        </small>
                      </div>
                    ) : (
                      ''
                    )}
                    <div>
                      <small>
                        Responses:{' '}
                        {Object.entries(op.responses ?? {})
                          .map(([status, r]) => `${status} ${r.description ?? ''}`)
                          .join(' · ')}
                      </small>
                    </div>
                  </li>
                ))}
              </ul>
            </section>
          ))}
        </body>
      </html>
    ).toString()
  );
}
