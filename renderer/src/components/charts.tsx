// Hand-drawn SVG charts: a live loss / validation-recall line chart and a before/after Recall@K bars.
import type { RecallAtK } from '../api/types';

export interface EpochPoint {
  epoch: number;
  loss: number | null;
  valRecall: number | null;
}

const W = 520;
const H = 220;
const PAD = { left: 40, right: 40, top: 14, bottom: 28 };

/**
 * `epochs`: the epochs planned. While training runs the axis spans them; once `finished` (done, stopped
 * early, cancelled), it ends at the last epoch that ran, so an early stop does not leave an empty tail.
 */
export function LossChart({
  points,
  epochs,
  finished = false,
}: {
  points: EpochPoint[];
  epochs: number;
  finished?: boolean;
}) {
  const losses = points.map((p) => p.loss).filter((x): x is number => x !== null);
  const maxLoss = Math.max(0.0001, ...losses) * 1.1;
  const lastRun = Math.max(0, ...points.map((p) => p.epoch));
  const maxEpoch = Math.max(1, finished && lastRun > 0 ? lastRun : Math.max(epochs, lastRun));
  const x = (e: number) => PAD.left + (e / maxEpoch) * (W - PAD.left - PAD.right);
  const yLoss = (l: number) => PAD.top + (1 - l / maxLoss) * (H - PAD.top - PAD.bottom);
  const yRecall = (r: number) => PAD.top + (1 - r) * (H - PAD.top - PAD.bottom);
  const path = (pts: Array<[number, number]>) =>
    pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join('');
  const lossPath = path(
    points.filter((p) => p.loss !== null).map((p) => [x(p.epoch), yLoss(p.loss as number)]),
  );
  const recallPath = path(
    points.filter((p) => p.valRecall !== null).map((p) => [x(p.epoch), yRecall(p.valRecall as number)]),
  );
  const ticks = Array.from({ length: Math.min(maxEpoch, 10) + 1 }, (_, i) =>
    Math.round((i * maxEpoch) / Math.min(maxEpoch, 10)),
  );
  return (
    <figure style={{ margin: 0 }}>
      <svg
        className="chart"
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label="Training loss and validation recall by epoch"
        data-testid="loss-chart"
        data-last-epoch={maxEpoch}
      >
        <line className="axis" x1={PAD.left} y1={H - PAD.bottom} x2={W - PAD.right} y2={H - PAD.bottom} />
        <line className="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={H - PAD.bottom} />
        <line className="axis" x1={W - PAD.right} y1={PAD.top} x2={W - PAD.right} y2={H - PAD.bottom} />
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={H - 10} textAnchor="middle">
            {t}
          </text>
        ))}
        <text x={PAD.left - 6} y={PAD.top + 8} textAnchor="end">
          {maxLoss.toFixed(2)}
        </text>
        <text x={PAD.left - 6} y={H - PAD.bottom} textAnchor="end">
          0
        </text>
        <text x={W - PAD.right + 6} y={PAD.top + 8}>
          100%
        </text>
        <text x={W - PAD.right + 6} y={H - PAD.bottom}>
          0%
        </text>
        {lossPath && <path className="line-loss" d={lossPath} />}
        {recallPath && <path className="line-recall" d={recallPath} />}
        {points.length === 0 && (
          <text x={W / 2} y={H / 2} textAnchor="middle">
            The chart fills in as training runs
          </text>
        )}
      </svg>
      <figcaption className="legend">
        <span>
          <span className="swatch" style={{ background: 'var(--accent)' }} />
          loss (left axis)
        </span>
        <span>
          <span className="swatch" style={{ background: 'var(--ok)' }} />
          validation Recall@1 (right axis)
        </span>
        <span>epoch →</span>
      </figcaption>
    </figure>
  );
}

export function RecallChart({ before, after }: { before: RecallAtK; after: RecallAtK }) {
  const ks: Array<[string, keyof RecallAtK]> = [
    ['Recall@1', 'r1'],
    ['Recall@5', 'r5'],
    ['Recall@10', 'r10'],
  ];
  const h = 200;
  const base = h - 30;
  const scale = (v: number) => v * (base - 20);
  return (
    <figure style={{ margin: 0 }}>
      <svg
        className="chart"
        viewBox={`0 0 ${W} ${h}`}
        role="img"
        aria-label="Recall before and after fine-tuning"
        data-testid="recall-chart"
        data-before-r1={before.r1}
        data-after-r1={after.r1}
      >
        <line className="axis" x1={30} y1={base} x2={W - 10} y2={base} />
        {ks.map(([label, k], i) => {
          const gx = 60 + i * 160;
          const b = before[k];
          const a = after[k];
          return (
            <g key={k}>
              <rect className="bar-before" x={gx} y={base - scale(b)} width={50} height={scale(b)} rx={3} />
              <rect
                className="bar-after"
                x={gx + 56}
                y={base - scale(a)}
                width={50}
                height={scale(a)}
                rx={3}
              />
              <text x={gx + 25} y={base - scale(b) - 4} textAnchor="middle">
                {(b * 100).toFixed(0)}%
              </text>
              <text x={gx + 81} y={base - scale(a) - 4} textAnchor="middle">
                {(a * 100).toFixed(0)}%
              </text>
              <text x={gx + 53} y={h - 10} textAnchor="middle">
                {label}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        <span>
          <span className="swatch" style={{ background: 'var(--border)' }} />
          before
        </span>
        <span>
          <span className="swatch" style={{ background: 'var(--accent)' }} />
          after fine-tuning
        </span>
      </figcaption>
    </figure>
  );
}
