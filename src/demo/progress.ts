/**
 * Progress of the demo on stderr: one line per finished step with its time, and for long steps a counter, updated
 * in place on a terminal and printed at every 10 % otherwise (a log file or CI wants lines, not carriage returns).
 */

export interface Counter {
  tick(): void;
  done(): void;
}

export interface Progress {
  /** Runs a step and prints its label with the time it took. */
  step<T>(label: string, work: () => Promise<T>): Promise<T>;
  /** A counter for `total` items of a long step; `done()` prints the step's line with its time. */
  counter(label: string, total: number): Counter;
  /** A line of its own (a note between steps). */
  note(text: string): void;
}

/** What the progress needs of a stream (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Progress on `stream`, or none at all (`--quiet`) when it is null. */
export function createProgress(stream: ProgressStream | null, now: () => number = Date.now): Progress {
  if (!stream)
    return {
      step: (_label, work) => work(),
      counter: () => ({ tick: () => {}, done: () => {} }),
      note: () => {},
    };
  const tty = stream.isTTY === true;
  return {
    async step(label, work) {
      const started = now();
      if (tty) stream.write(`  ${label} …`);
      const result = await work();
      stream.write(`${tty ? '\r\x1b[2K' : ''}  ${label}: ${seconds(now() - started)}\n`);
      return result;
    },
    counter(label, total) {
      const started = now();
      let n = 0;
      let printedTenth = 0;
      const line = () => `  ${label}: ${n}/${total} (${total ? Math.floor((100 * n) / total) : 100} %)`;
      if (tty) stream.write(line());
      return {
        tick() {
          n++;
          if (tty) stream.write(`\r\x1b[2K${line()}`);
          else {
            const tenth = total ? Math.floor((10 * n) / total) : 10;
            if (tenth > printedTenth && n < total) {
              printedTenth = tenth;
              stream.write(`${line()} ${seconds(now() - started)}\n`);
            }
          }
        },
        done() {
          stream.write(`${tty ? '\r\x1b[2K' : ''}  ${label}: ${n}/${total} in ${seconds(now() - started)}\n`);
        },
      };
    },
    note(text) {
      stream.write(`${text}\n`);
    },
  };
}
