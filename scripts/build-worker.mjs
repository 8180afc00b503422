// Bundles src/worker.ts for Workers with esbuild (as wrangler does), for the Miniflare tests and for inspection.
import { build } from 'esbuild';

export async function bundleWorker(outfile) {
  const result = await build({
    entryPoints: [new URL('../src/worker.ts', import.meta.url).pathname],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['browser', 'module', 'main'],
    jsx: 'automatic',
    jsxImportSource: 'hono/jsx',
    write: Boolean(outfile),
    outfile,
    minify: false,
    logLevel: 'silent',
    metafile: true,
  });
  return result;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'dist/worker.js';
  const result = await bundleWorker(out);
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  console.log(`wrote ${out} (${Math.round(bytes / 1024)} KiB)`);
}
