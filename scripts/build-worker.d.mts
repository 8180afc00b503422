import type { BuildResult } from 'esbuild';
export function bundleWorker(
  outfile?: string,
): Promise<BuildResult & { metafile: NonNullable<BuildResult['metafile']> }>;
