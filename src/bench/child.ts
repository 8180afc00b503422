/**
 * The bench's child processes: TypeScript entry points run by `node --import tsx` (the server, the echo server,
 * the million-ballot half, `laurel verify`), each with this process's environment plus its own.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

/** Starts `node --import tsx ARGS…` with its stdout and stderr as pipes (read them, or the child stalls). */
export function spawnTsx(args: string[], env: Record<string, string>): ChildProcess {
  // LAUREL_PROFILE=DIR: each child writes a CPU profile there when it stops (docs/performance.md).
  const profile = process.env.LAUREL_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LAUREL_PROFILE}`] : [];
  return spawn(process.execPath, [...profile, '--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The last 4,000 characters a child wrote to stderr, kept as it writes (for an error message). */
export function stderrTail(child: ChildProcess): () => string {
  let tail = '';
  child.stderr!.on('data', (d) => (tail = (tail + String(d)).slice(-4000)));
  return () => tail;
}

/** Runs `node --import tsx ARGS…` to its end: its exit code, all it wrote to stdout, the tail of its stderr. */
export async function runTsx(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnTsx(args, env);
  const stderr = stderrTail(child);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  // 'close', not 'exit': the process may have exited before its output was all read.
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr: stderr() };
}
