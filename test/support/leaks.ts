/** What may not show before an award's announcement: probes of the embargo in process and over HTTP. */

/**
 * Members that would carry results, counts or scores in a JSON answer (`winners` as a list of someone: as a number
 * it is a category's setting).
 */
export const SECRET_KEYS = ['votes', 'final', 'juryShare', 'publicShare', 'scores', 'ranking', 'document', 'jws'];

export function leaks(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaks(v, `${path}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => [
      ...((SECRET_KEYS.includes(k) && v !== null) || (k === 'winners' && Array.isArray(v) && v.length > 0)
        ? [`${path}.${k}`]
        : []),
      ...leaks(v, `${path}.${k}`),
    ]);
  return [];
}

/** The body, or for an endless event stream its first chunk (then the stream is cancelled). */
export async function bodyText(res: Response): Promise<string> {
  if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) return res.text();
  const reader = res.body!.getReader();
  const { value } = await reader.read();
  await reader.cancel();
  return new TextDecoder().decode(value);
}
