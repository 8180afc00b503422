/**
 * `laurel demo [--seed N] [--voters N] [--out FILE] [--quiet] [--json]`: the command's options and its output. The
 * demo itself (a server, an SMTP server) is imported only when the command runs, so other commands do not load it.
 */
import type { DemoOutcome } from './run';

export const DEMO_DEFAULTS = { seed: 1, voters: 554 } as const;

export const DEMO_USAGE = `  laurel demo [--seed N] [--voters N] [--out FILE] [--quiet] [--json]
                                              run the STEM4ALL example through the API on a throw-away database
                                              (seed ${DEMO_DEFAULTS.seed}, ${DEMO_DEFAULTS.voters} voters by default); prints the results table,
                                              or the summary as JSON; --out FILE writes the audit bundle
                                              (NDJSON when FILE ends in .ndjson)`;

export interface DemoFlags {
  seed?: string;
  voters?: string;
  out?: string;
  quiet?: boolean;
  json?: boolean;
}

/** A whole number from the command line, or undefined when not given; NaN (refused by runDemo) when not a number. */
const whole = (text: string | undefined) => (text === undefined ? undefined : /^\d+$/.test(text) ? Number(text) : NaN);

/** Lines about this run's signed results: they differ on every run (ids, times and the lot secret are new). */
export function runLines(outcome: DemoOutcome): string[] {
  const r = outcome.results;
  const lines = [
    `Results version ${r.version}, SHA-256 ${r.hash}, signed with key ${r.kid}: ${r.signatureVerified ? 'signature verified' : 'SIGNATURE DOES NOT VERIFY'}.`,
    `${outcome.mails} mails delivered over SMTP; ${outcome.seconds.toFixed(1)} s in all.`,
  ];
  if (outcome.out)
    lines.push(
      `Wrote the audit bundle to ${outcome.out}; check it with: laurel verify ${outcome.out} --witness ${outcome.head.seq}:${outcome.head.hash}`,
    );
  return lines;
}

/**
 * Runs the demo for the CLI: the table and the run's lines on stdout (with --json the summary alone on stdout and
 * the run's lines on stderr), progress on stderr unless --quiet. Returns the exit code.
 */
export async function demoCommand(
  flags: DemoFlags,
  write: { out: (text: string) => Promise<void>; err: (text: string) => Promise<void> },
): Promise<number> {
  const { runDemo } = await import('./run');
  let outcome: DemoOutcome;
  try {
    outcome = await runDemo({
      seed: whole(flags.seed),
      voters: whole(flags.voters),
      out: flags.out,
      quiet: flags.quiet === true,
    });
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    await write.err(`laurel demo: ${err.message}\n`);
    return 2;
  }
  const run = runLines(outcome).join('\n') + '\n';
  if (flags.json) {
    await write.out(JSON.stringify(outcome.summary, null, 2) + '\n');
    await write.err(run);
  } else await write.out(`${outcome.table}\n${run}`);
  return outcome.results.signatureVerified ? 0 : 1;
}
