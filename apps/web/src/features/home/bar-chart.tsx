/**
 * Two small SVG charts of our own (no chart library: two bar charts did not justify
 * recharts' weight in the bundle). Each bar carries its value as text and as a <title>, and
 * the figure has a caption, so the numbers are readable without seeing the bars.
 */

export type Bar = { label: string; value: number; text: string };

/** Horizontal bars, one per label, scaled to the largest value. */
export function HorizontalBars({
  bars,
  caption,
  color = 'var(--mantine-color-teal-6)',
}: {
  bars: Bar[];
  caption: string;
  color?: string;
}) {
  const max = Math.max(1, ...bars.map((b) => b.value));
  const row = 30;
  const labelW = 140;
  const width = 640;
  const barW = width - labelW - 170;
  return (
    <figure style={{ margin: 0 }} aria-label={caption}>
      <svg viewBox={`0 0 ${width} ${bars.length * row + 8}`} width="100%" style={{ maxWidth: width, display: 'block' }}>
        <title>{caption}</title>
        {bars.map((b, i) => {
          const y = i * row + 4;
          const w = Math.round((b.value / max) * barW);
          return (
            <g key={b.label}>
              <title>{`${b.label}: ${b.text}`}</title>
              <text x={labelW - 8} y={y + row / 2 + 4} textAnchor="end" fontSize="13" fill="currentColor">
                {b.label}
              </text>
              <rect
                x={labelW}
                y={y + 4}
                width={Math.max(w, b.value > 0 ? 2 : 0)}
                height={row - 10}
                rx="3"
                fill={color}
              />
              <text x={labelW + w + 8} y={y + row / 2 + 4} fontSize="12" fill="currentColor">
                {b.text}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}

export type PairColumn = { label: string; a: number; b: number; title: string };

/** Two columns per label (won and lost), scaled to the largest of either. */
export function PairedColumns({
  columns,
  caption,
  colors,
}: {
  columns: PairColumn[];
  caption: string;
  colors: [string, string];
}) {
  const max = Math.max(1, ...columns.flatMap((c) => [c.a, c.b]));
  const height = 160;
  const slot = 52;
  const width = columns.length * slot + 10;
  const col = 18;
  return (
    <figure style={{ margin: 0 }} aria-label={caption}>
      <svg
        viewBox={`0 0 ${width} ${height + 40}`}
        width="100%"
        style={{ maxWidth: Math.max(width, 320), display: 'block' }}
      >
        <title>{caption}</title>
        <line x1="0" x2={width} y1={height + 0.5} y2={height + 0.5} stroke="var(--mantine-color-gray-4)" />
        {columns.map((c, i) => {
          const x = i * slot + 8;
          const ha = Math.round((c.a / max) * (height - 18));
          const hb = Math.round((c.b / max) * (height - 18));
          return (
            <g key={c.label}>
              <title>{c.title}</title>
              <rect x={x} y={height - ha} width={col} height={ha} rx="2" fill={colors[0]} />
              <rect x={x + col + 2} y={height - hb} width={col} height={hb} rx="2" fill={colors[1]} />
              {c.a > 0 && (
                <text x={x + col / 2} y={height - ha - 4} textAnchor="middle" fontSize="10" fill="currentColor">
                  {c.a}
                </text>
              )}
              {c.b > 0 && (
                <text x={x + col * 1.5 + 2} y={height - hb - 4} textAnchor="middle" fontSize="10" fill="currentColor">
                  {c.b}
                </text>
              )}
              <text x={x + col + 1} y={height + 16} textAnchor="middle" fontSize="11" fill="currentColor">
                {c.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
