/**
 * `laurel tally FILE [--details]`: tallies a file in the neutral format (a shared test vector works as is) and
 * prints the result JSON; with an `expected` member, also says on stderr whether the result matches it (exit 1
 * when not). Needs no database.
 */
import { readFileSync } from 'node:fs';
import { tally, TallyInputError, type TallyResult } from './index';
import { differences, parseTallyInput } from './input';

/**
 * A results document (`laurel-results/1`, alone or as GET …/results answers it) recounts as its own `input` with
 * its `result` as the expected block: the outside recount of signed results.
 */
function asNeutralFile(json: unknown): unknown {
  const doc = (json as { document?: unknown })?.document ?? json;
  if ((doc as { format?: unknown })?.format !== 'laurel-results/1') return json;
  const { input, result } = doc as { input: Record<string, unknown>; result: unknown };
  return { ...input, expected: result };
}

export async function tallyCommand(
  file: string,
  withDetails: boolean,
  write: { out: (text: string) => Promise<void>; err: (text: string) => Promise<void> },
): Promise<number> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    await write.err(`laurel: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  json = asNeutralFile(json);
  let result: TallyResult;
  try {
    result = await tally(parseTallyInput(json));
  } catch (err) {
    if (!(err instanceof TallyInputError)) throw err;
    await write.err(`laurel: ${file}: ${err.message}\n`);
    return 1;
  }
  const { details: _details, ...neutral } = result;
  await write.out(JSON.stringify(withDetails ? result : neutral, null, 2) + '\n');
  if (typeof json !== 'object' || json === null || !('expected' in json)) return 0;
  const diff = differences(neutral, json.expected);
  if (diff.length === 0) {
    await write.err('matches expected\n');
    return 0;
  }
  await write.err(`differs from expected:\n${diff.map((d) => `  ${d}`).join('\n')}\n`);
  return 1;
}
