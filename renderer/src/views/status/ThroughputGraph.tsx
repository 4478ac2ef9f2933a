/**
 * The last minute of download and upload rates as two SVG lines. For screen
 * readers (and anyone who prefers numbers) a text summary describes it: the
 * current and peak rates.
 */
import { useId } from 'react';
import { formatBitRate } from '../../format/bytes.js';
import { MAX_SAMPLES, type RateSample } from '../../hooks/useTunnelState.js';

const WIDTH = 600;
const HEIGHT = 140;

function points(values: readonly number[], scale: number): string {
  // Newest sample at the right edge; older ones step left, one per second.
  const step = WIDTH / (MAX_SAMPLES - 1);
  const offset = MAX_SAMPLES - values.length;
  return values
    .map(
      (v, i) => `${((offset + i) * step).toFixed(1)},${(HEIGHT - (v / scale) * HEIGHT).toFixed(1)}`,
    )
    .join(' ');
}

export function ThroughputGraph({ samples }: { samples: readonly RateSample[] }) {
  const summaryId = useId();
  const rx = samples.map((s) => s.rx);
  const tx = samples.map((s) => s.tx);
  const peak = Math.max(1, ...rx, ...tx);
  const latest = samples.at(-1);
  const summary = latest
    ? `Now: download ${formatBitRate(latest.rx)}, upload ${formatBitRate(latest.tx)}. ` +
      `Peak over the last ${samples.length} s: download ${formatBitRate(Math.max(0, ...rx))}, ` +
      `upload ${formatBitRate(Math.max(0, ...tx))}.`
    : 'No traffic measured yet.';

  return (
    <figure className="graph">
      <svg
        role="img"
        aria-label="Throughput"
        aria-describedby={summaryId}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        preserveAspectRatio="none"
      >
        <line className="graph-axis" x1="0" y1={HEIGHT} x2={WIDTH} y2={HEIGHT} />
        <line className="graph-axis" x1="0" y1={HEIGHT / 2} x2={WIDTH} y2={HEIGHT / 2} />
        {samples.length > 1 && (
          <>
            <polyline className="graph-rx" points={points(rx, peak)} />
            <polyline className="graph-tx" points={points(tx, peak)} />
          </>
        )}
      </svg>
      <figcaption>
        <span className="legend legend-rx">Download</span>{' '}
        <span className="legend legend-tx">Upload</span>{' '}
        <span className="muted">(scale: {formatBitRate(peak)} at the top)</span>
        <span id={summaryId} className="graph-summary">
          {summary}
        </span>
      </figcaption>
    </figure>
  );
}
