/**
 * The million-ballot half of `laurel bench` in a process of its own (src/bench/million.ts measureMillionApart):
 * its event-loop blocks are then the checkpoints', not the load generator's that ran before in the bench process.
 * Reads its arguments as JSON from LAUREL_BENCH_MILLION and prints the figures as one JSON line.
 */
import '../runtime/crypto';
import { measureMillion } from './million';

const { env, n, bundleFile } = JSON.parse(process.env.LAUREL_BENCH_MILLION ?? '{}') as {
  env: Record<string, string>;
  n: number;
  bundleFile: string;
};
process.stdout.write(`${JSON.stringify(await measureMillion(env, n, bundleFile))}\n`);
process.exit(0);
