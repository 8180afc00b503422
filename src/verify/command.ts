/**
 * `laurel verify BUNDLE [--witness SEQ:HASH]… [--json]`: reads an audit bundle (JSON or NDJSON), runs every check
 * of docs/audit.md §21 and prints one line per check, each problem on a line of its own. Exit 0 only when every
 * check passes, 1 when any fails, 2 when the file cannot be read or a witness is malformed. Needs no database.
 */
import { type CheckReport, type Witness, parseWitness, verifyBundle } from './checks';
import { BundleUnreadable, readForVerify } from './read';

/** Every check of a bundle file; only `format` when its shape is wrong (nothing else can be trusted then). */
export async function checkFile(file: string, witnesses: readonly Witness[] = []): Promise<CheckReport[]> {
  const { bundle, problems } = await readForVerify(file);
  return bundle && problems.length === 0
    ? verifyBundle(bundle, witnesses)
    : [{ check: 'format', ok: false, summary: '', problems }];
}

export interface VerifyOutput {
  out: (text: string) => Promise<void>;
  err: (text: string) => Promise<void>;
}

export async function verifyCommand(
  file: string | undefined,
  flags: { witness?: string[]; json?: boolean },
  write: VerifyOutput,
): Promise<number> {
  if (!file) {
    await write.err('laurel verify: missing BUNDLE; see laurel --help.\n');
    return 2;
  }
  const witnesses = [];
  for (const text of flags.witness ?? []) {
    const w = parseWitness(text);
    if (!w) {
      await write.err(`laurel verify: --witness ${text} is not SEQ:HASH (an event number and 64 hex digits).\n`);
      return 2;
    }
    witnesses.push(w);
  }
  let checks: CheckReport[];
  try {
    checks = await checkFile(file, witnesses);
  } catch (e) {
    if (!(e instanceof BundleUnreadable)) throw e;
    await write.err(`laurel verify: ${e.message}\n`);
    return 2;
  }
  const ok = checks.every((c) => c.ok);
  if (flags.json) {
    await write.out(
      `${JSON.stringify({ ok, checks: checks.map((c) => ({ check: c.check, ok: c.ok, detail: c.ok ? c.summary : c.problems })) }, null, 2)}\n`,
    );
  } else {
    const lines = checks.flatMap((c) =>
      c.ok ? [`ok   ${c.check}: ${c.summary}`] : c.problems.map((p) => `FAIL ${c.check}: ${p}`),
    );
    const failed = checks.filter((c) => !c.ok).length;
    lines.push(`${checks.length - failed} checks passed, ${failed} failed`);
    await write.out(`${lines.join('\n')}\n`);
  }
  return ok ? 0 : 1;
}
