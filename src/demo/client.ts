/**
 * The demo's HTTP client: JSON over fetch to the demo's own server, as any outside client would call Laurel's API.
 * A refused request throws with the problem's stable code; `busy`/`storage-unavailable` answers (503: nothing was
 * changed) are repeated after their Retry-After, as docs/api.md invites clients to.
 */

export class DemoApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  body?: unknown;
  /** A Bearer token: an organizer's, a voter's or a juror's. */
  token?: string;
}

export type Call = <T>(method: string, path: string, options?: CallOptions) => Promise<T>;

const RETRIES = 5;

export function apiClient(baseUrl: string): Call {
  return async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    for (let attempt = 1; ; attempt++) {
      const res = await fetch(baseUrl + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : null) as T;
      const problem = (text.startsWith('{') ? JSON.parse(text) : {}) as { code?: string; detail?: string };
      if (res.status === 503 && attempt < RETRIES) {
        const wait = Number(res.headers.get('retry-after') ?? '1');
        await new Promise((r) => setTimeout(r, Math.min(5, Number.isFinite(wait) ? wait : 1) * 1000));
        continue;
      }
      throw new DemoApiError(
        res.status,
        problem.code,
        `${method} ${path}: ${res.status} ${problem.code ?? ''} ${problem.detail ?? text.slice(0, 200)}`.trim(),
      );
    }
  };
}
