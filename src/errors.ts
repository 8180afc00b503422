/**
 * One error type with a stable machine code, and the one handler that renders every error as
 * application/problem+json (RFC 9457). Tests assert codes, never messages.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';

export const PROBLEM_CODES = {
  'bad-request': 400,
  'validation-failed': 400,
  unauthenticated: 401,
  forbidden: 403,
  'csrf-failed': 403,
  'not-found': 404,
  conflict: 409,
  'already-exists': 409,
  'wrong-phase': 409,
  frozen: 409,
  'phase-backwards': 409,
  'schedule-invalid': 422,
  'code-invalid': 400,
  'code-expired': 400,
  'code-locked': 429,
  'token-invalid': 401,
  'token-spent': 410,
  'bootstrap-unavailable': 403,
  'disposable-email': 422,
  'not-on-roll': 403,
  'wrong-method': 409,
  'nomination-limit': 409,
  'already-voted': 409,
  'juror-started': 409,
  'conflicts-undeclared': 409,
  'conflict-of-interest': 409,
  'sheet-locked': 409,
  'sheet-incomplete': 409,
  'wrong-mode': 409,
  'oidc-failed': 401,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  'rate-limited': 429,
  busy: 503,
  'storage-unavailable': 503,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ProblemCode = keyof typeof PROBLEM_CODES;

export interface FieldProblem {
  /** JSON path of the offending field, e.g. `tracks.0.categories.1.slug`. */
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(detail);
    this.status = PROBLEM_CODES[code];
  }
}

export const problemType = (code: ProblemCode) => `urn:laurel:problem:${code}`;

export function validationError(error: ZodError, where = 'body'): ApiError {
  const fields = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  const first = fields[0];
  return new ApiError('validation-failed', first ? `${first.path}: ${first.message}` : 'Invalid input.', fields);
}

export interface Problem {
  type: string;
  code: ProblemCode;
  title: string;
  status: number;
  detail: string;
  fields?: FieldProblem[];
  instance?: string;
}

export function toProblem(err: ApiError, requestId?: string): Problem {
  return {
    type: problemType(err.code),
    code: err.code,
    title: err.code.replace(/-/g, ' '),
    status: err.status,
    detail: err.detail,
    ...(err.fields.length ? { fields: err.fields } : {}),
    ...(requestId ? { instance: `urn:laurel:request:${requestId}` } : {}),
  };
}

/** Hono's onError: ApiError as problem+json; storage faults as 503; anything else logged and answered 500. */
export function onError(err: Error, c: Context): Response {
  const requestId = c.get('requestId' as never) as string | undefined;
  let apiError: ApiError;
  if (err instanceof ApiError) apiError = err;
  else if (isStorageUnavailable(err)) {
    console.error(JSON.stringify({ level: 'error', requestId, msg: 'storage unavailable', error: String(err) }));
    apiError = new ApiError(
      'storage-unavailable',
      'The database cannot take this request now; nothing was changed. Try again shortly.',
    );
  } else if (err instanceof HTTPException && err.status < 500) {
    // Hono's own refusals (malformed JSON, body too large, wrong media type) keep their status.
    const byStatus: Partial<Record<number, ProblemCode>> = {
      401: 'unauthenticated',
      403: 'forbidden',
      404: 'not-found',
      413: 'payload-too-large',
      415: 'unsupported-media-type',
    };
    apiError = new ApiError(byStatus[err.status] ?? 'bad-request', err.message || 'The request could not be read.');
  } else {
    console.error(JSON.stringify({ level: 'error', requestId, msg: 'unhandled', error: err.stack ?? String(err) }));
    apiError = new ApiError('internal', 'Something went wrong on our side; nothing was changed.');
  }
  const headers: Record<string, string> = { 'content-type': 'application/problem+json; charset=utf-8' };
  if (apiError.status === 503) headers['retry-after'] = '1';
  return c.body(JSON.stringify(toProblem(apiError, requestId)), apiError.status, headers);
}

/** Storage that cannot take writes now (locked, read-only, full, unreachable): answered 503, never 500. */
export function isStorageUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  if (/^SQLITE_(BUSY|LOCKED|READONLY|FULL|IOERR|CANTOPEN)/.test(code)) return true;
  if (['53100', '53200', '57P01', '57P03', '25006', 'ECONNREFUSED', 'ECONNRESET'].includes(code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /database is locked|readonly database|database or disk is full|D1_ERROR: .*(overloaded|timeout)/i.test(
    message,
  );
}
