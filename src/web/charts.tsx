/** @jsxImportSource hono/jsx */
/**
 * Charts as inline SVG (pure: data in, markup out; no I/O, no clock). Every chart is an `<svg role="img">` named
 * by its <title> and described by its <desc>, and its numbers also stand in a visually hidden table, so a screen
 * reader, a text browser or a reader who cannot tell the bars apart gets the same figures. A marked bar (a winner)
 * is never told by colour alone: its label carries a ★ and is bold.
 *
 * The charts scale to the width of their container (viewBox, width 100%) up to a readable maximum, so they fit a
 * 360 px phone without scrolling sideways; the label of a bar sits on its own line above the bar, so long names
 * keep the whole width. Text alternatives are passed in already translated: this module knows no language.
 */
import type { Child } from 'hono/jsx';

/** Hides content visually and keeps it for assistive technology (the usual clip pattern). */
export const VISUALLY_HIDDEN =
  'position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);clip-path:inset(50%);white-space:nowrap;border:0';

/** Width of every chart's coordinate system; the drawing scales to its container. */
const WIDTH = 360;
/** On a wide screen a chart stops growing here, so its text stays near the page's own size. */
const SVG_STYLE = 'display:block;width:100%;max-width:30rem;height:auto;margin:.5rem 0';
const INK = '#1b1b1b';
/** Bars: at least 3:1 against white (WCAG 1.4.11); the marked one darker, but marked by ★ and bold as well. */
const BAR = '#5e7d6e';
const MARKED = '#14452f';
/** Longest label drawn in full; the table beside the chart always has the whole text. */
const MAX_LABEL = 46;

export interface Bar {
  label: string;
  /** The label's language when it differs from the page's (a missing translation). */
  lang?: string | undefined;
  /** The length of the bar; never shown as such. */
  value: number;
  /** The figure written beside the bar (e.g. the exact decimal string). */
  display: string;
  /** A winner: ★ and a bold label. */
  marked?: boolean | undefined;
}

export interface ChartText {
  /** Unique on the page: the ids of the title and the description derive from it. */
  id: string;
  title: string;
  desc: string;
}

/** Rounds a coordinate to one decimal: shorter markup, no visible difference. */
const px = (n: number) => Math.round(n * 10) / 10;

const clip = (label: string) => (label.length > MAX_LABEL ? `${label.slice(0, MAX_LABEL - 1)}…` : label);

/** The label of a bar as drawn: a ★ before a marked one. */
export const barLabel = (bar: Pick<Bar, 'label' | 'marked'>) => (bar.marked ? `★ ${bar.label}` : bar.label);

/** The scale's top: the given maximum, else the largest value; never 0 (an all-zero chart draws no bars). */
function scaleTop(values: readonly number[], max?: number): number {
  const top = Math.max(max ?? 0, ...values.map((v) => (Number.isFinite(v) ? v : 0)));
  return top > 0 ? top : 1;
}

/** The length of a bar of `value` on a scale 0…top drawn `span` long (negative and missing values draw nothing). */
export function barLength(value: number, top: number, span: number): number {
  if (!Number.isFinite(value) || value <= 0 || top <= 0) return 0;
  return Math.min(span, (value / top) * span);
}

function Svg({ text, height, children }: { text: ChartText; height: number; children?: Child }) {
  return (
    <svg
      xmlns="http://www.w3.org/2000/svg"
      role="img"
      aria-labelledby={`${text.id}-t ${text.id}-d`}
      viewBox={`0 0 ${WIDTH} ${px(height)}`}
      style={SVG_STYLE}
    >
      <title id={`${text.id}-t`}>{text.title}</title>
      <desc id={`${text.id}-d`}>{text.desc}</desc>
      {children}
    </svg>
  );
}

const ROW = 40;
const BAR_HEIGHT = 14;
/** Room right of the longest bar for its figure. */
const FIGURE_ROOM = 84;

/**
 * Horizontal bars, one per item, each with its label above it and its figure at its end. `max` fixes the scale's
 * top (e.g. the top of a jury scale); by default the largest value fills the width.
 */
export function BarChart({ text, bars, max }: { text: ChartText; bars: readonly Bar[]; max?: number | undefined }) {
  const top = scaleTop(
    bars.map((b) => b.value),
    max,
  );
  const span = WIDTH - FIGURE_ROOM;
  return (
    <Svg text={text} height={bars.length * ROW + 4}>
      <g font-size="13" fill={INK}>
        {bars.map((bar, i) => {
          const y = i * ROW;
          const length = barLength(bar.value, top, span);
          return (
            <>
              <text x="0" y={y + 13} font-weight={bar.marked ? '700' : undefined} lang={bar.lang}>
                {clip(barLabel(bar))}
              </text>
              <rect x="0" y={y + 19} width={px(length)} height={BAR_HEIGHT} fill={bar.marked ? MARKED : BAR} />
              <text x={px(length + 6)} y={y + 31} font-weight={bar.marked ? '700' : undefined}>
                {bar.display}
              </text>
            </>
          );
        })}
      </g>
      {/* The axis the bars grow from. */}
      <line x1="0.5" y1="16" x2="0.5" y2={bars.length * ROW + 2} stroke={INK} />
    </Svg>
  );
}

export interface Column {
  /** The short label under the column (e.g. a batch number); only some are drawn when there are many. */
  label: string;
  value: number;
  display: string;
}

const PLOT_TOP = 18;
const PLOT_HEIGHT = 150;
const AXIS_LEFT = 44;
/** Columns with their figure drawn on top; past this only the table has every figure. */
const FIGURES_UP_TO = 12;

/** Vertical columns over an ordered series (e.g. ballots per checkpoint batch), with a labelled y axis. */
export function ColumnChart({ text, columns }: { text: ChartText; columns: readonly Column[] }) {
  const top = scaleTop(columns.map((c) => c.value));
  const slot = (WIDTH - AXIS_LEFT - 4) / Math.max(1, columns.length);
  const base = PLOT_TOP + PLOT_HEIGHT;
  // Label at most about eight columns, always the first and the last.
  const every = Math.max(1, Math.ceil(columns.length / 8));
  const labelled = (i: number) =>
    i === 0 || i === columns.length - 1 || (i % every === 0 && columns.length - 1 - i >= every / 2);
  return (
    <Svg text={text} height={base + 22}>
      <g font-size="12" fill={INK}>
        <text x={AXIS_LEFT - 6} y={PLOT_TOP + 4} text-anchor="end">
          {String(top)}
        </text>
        <text x={AXIS_LEFT - 6} y={base} text-anchor="end">
          0
        </text>
        {columns.map((col, i) => {
          const h = barLength(col.value, top, PLOT_HEIGHT);
          const x = AXIS_LEFT + i * slot;
          const mid = px(x + slot / 2);
          return (
            <>
              <rect x={px(x + slot * 0.15)} y={px(base - h)} width={px(slot * 0.7)} height={px(h)} fill={BAR} />
              {columns.length <= FIGURES_UP_TO ? (
                <text x={mid} y={px(base - h - 4)} text-anchor="middle">
                  {col.display}
                </text>
              ) : null}
              {labelled(i) ? (
                <text x={mid} y={base + 16} text-anchor="middle">
                  {col.label}
                </text>
              ) : null}
            </>
          );
        })}
      </g>
      <line x1={AXIS_LEFT} y1={base + 0.5} x2={WIDTH} y2={base + 0.5} stroke={INK} />
      <line x1={AXIS_LEFT - 0.5} y1={PLOT_TOP} x2={AXIS_LEFT - 0.5} y2={base} stroke={INK} />
    </Svg>
  );
}

/**
 * The numbers of one or more charts as a visually hidden table: a caption, a header row, then one row per item;
 * the first cell of a row is its header. `marked` rows get the ★ as in the chart. The hiding is on a wrapper: a
 * table is never narrower than its content, whatever its width says, and would widen the page on a phone.
 */
export function HiddenTable({
  caption,
  headers,
  rows,
}: {
  caption: string;
  headers: readonly string[];
  rows: readonly { label: string; lang?: string | undefined; marked?: boolean | undefined; cells: readonly string[] }[];
}) {
  return (
    <div style={VISUALLY_HIDDEN}>
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            {headers.map((h) => (
              <th scope="col">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr>
              <th scope="row" lang={row.lang}>
                {barLabel(row)}
              </th>
              {row.cells.map((cell) => (
                <td>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export interface Batch {
  batch: number;
  /** When the batch's checkpoint was written (epoch ms), if known. */
  at: number | null;
  ballots: number;
}

export interface Bin {
  /** "7" for one batch, "7–9" for a run of batches. */
  label: string;
  first: number;
  last: number;
  /** The time of the run's last checkpoint. */
  at: number | null;
  ballots: number;
}

/**
 * Consecutive batches merged into at most `maxBins` runs of equal length (the last may be shorter), so a long vote
 * with thousands of checkpoints still draws a readable chart and a short table. Batches keep their order.
 */
export function binBatches(batches: readonly Batch[], maxBins = 40): Bin[] {
  const size = Math.max(1, Math.ceil(batches.length / Math.max(1, maxBins)));
  const bins: Bin[] = [];
  for (let i = 0; i < batches.length; i += size) {
    const run = batches.slice(i, i + size);
    const first = run[0]!.batch;
    const last = run[run.length - 1]!.batch;
    bins.push({
      label: first === last ? String(first) : `${first}–${last}`,
      first,
      last,
      at: run[run.length - 1]!.at,
      ballots: run.reduce((sum, b) => sum + b.ballots, 0),
    });
  }
  return bins;
}
