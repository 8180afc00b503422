/** Hostile input for the API fuzzing (test/fuzz.test.ts in process, test/e2e/probes.test.ts over HTTP). */

/** Path parameter values that have broken servers elsewhere. */
export const HOSTILE_PARAMS = [
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  'x'.repeat(5000),
  "'; drop table ballots; --",
  '%F0%9F%8C%9F%E2%80%AE',
  '%ZZ',
  '-1',
  '1e309',
];

export const HOSTILE_BODIES: { type: string; body: string }[] = [
  { type: 'application/json', body: '' },
  { type: 'application/json', body: '{' },
  { type: 'application/json', body: 'null' },
  { type: 'application/json', body: '[]' },
  { type: 'application/json', body: '"a string"' },
  { type: 'application/json', body: '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}' },
  { type: 'application/json', body: JSON.stringify({ a: 'x'.repeat(300_000) }) },
  { type: 'application/json', body: '{"email":"a@b.c","nominee":1e309,"reason":null,"scores":{"merit":"NaN"}}' },
  { type: 'application/json', body: '\uFEFF{"x":1}' },
  { type: 'text/plain', body: 'hello' },
  { type: 'application/x-www-form-urlencoded', body: '_csrf=x&to=voting&email=%00' },
  {
    type: 'multipart/form-data; boundary=zz',
    body: '--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--zz--',
  },
];

/** The path with every parameter set to `value`. */
export const fill = (path: string, value: string) => path.replace(/\{[^}]+\}/g, value);
