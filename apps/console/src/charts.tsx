// Plain SVG charts: a few dozen bars need no chart library.

export const STATUS_ORDER = ['completed', 'processing', 'pending', 'failed', 'timeout', 'canceled'];

export interface StackedBar {
  label: string;
  parts: Record<string, number>;
}

/** Horizontal stacked bars, one per label, parts coloured by status (CSS classes status-<name>). */
export function StackedBars({ bars, title }: { bars: StackedBar[]; title: string }) {
  const max = Math.max(1, ...bars.map((b) => Object.values(b.parts).reduce((a, n) => a + n, 0)));
  const row = 28;
  return (
    <svg class="chart" viewBox={`0 0 400 ${bars.length * row + 4}`} role="img" aria-label={title}>
      {bars.map((bar, i) => {
        let x = 100;
        const total = Object.values(bar.parts).reduce((a, n) => a + n, 0);
        return (
          <g key={bar.label} transform={`translate(0 ${i * row + 2})`}>
            <text x={0} y={17} class="label">
              {bar.label}
            </text>
            {STATUS_ORDER.filter((s) => bar.parts[s]).map((status) => {
              const width = (bar.parts[status] / max) * 260;
              const rect = (
                <rect key={status} x={x} y={4} width={width} height={18} class={`fill-${status}`}>
                  <title>
                    {status}: {bar.parts[status]}
                  </title>
                </rect>
              );
              x += width;
              return rect;
            })}
            <text x={x + 4} y={17} class="value">
              {total}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** Vertical bars over time (one per hour), stacked by status. */
export function Timeline({
  hours,
  series,
  title,
}: {
  hours: string[];
  series: Record<string, Record<string, number>>;
  title: string;
}) {
  const totals = hours.map((h) => Object.values(series[h] ?? {}).reduce((a, n) => a + n, 0));
  const max = Math.max(1, ...totals);
  const width = 400;
  const height = 120;
  const slot = width / Math.max(1, hours.length);
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height + 16}`} role="img" aria-label={title}>
      {hours.map((hour, i) => {
        let y = height;
        return (
          <g key={hour}>
            {STATUS_ORDER.filter((s) => series[hour]?.[s]).map((status) => {
              const h = (series[hour][status] / max) * (height - 4);
              y -= h;
              return (
                <rect
                  key={status}
                  x={i * slot + 1}
                  y={y}
                  width={Math.max(1, slot - 2)}
                  height={h}
                  class={`fill-${status}`}
                >
                  <title>
                    {new Date(hour).toLocaleString()}: {status} {series[hour][status]}
                  </title>
                </rect>
              );
            })}
            {i % 6 === 0 && (
              <text x={i * slot} y={height + 13} class="tick">
                {new Date(hour).getHours()}:00
              </text>
            )}
          </g>
        );
      })}
      <line x1={0} x2={width} y1={height} y2={height} class="axis" />
    </svg>
  );
}

export function Legend() {
  return (
    <p class="legend">
      {STATUS_ORDER.map((s) => (
        <span key={s}>
          <i class={`swatch fill-${s}`} /> {s}
        </span>
      ))}
    </p>
  );
}
