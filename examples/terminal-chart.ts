/**
 * A plain-text line chart for the demo: `width` × `height` characters of plot plus axis labels.
 * With `logY` the y axis is log10 (a loss curve that falls from 1 to 0.001 stays readable).
 */
export interface ChartOptions {
  width?: number;
  height?: number;
  logY?: boolean;
  /** Label under the x axis, e.g. `step`. */
  xLabel?: string;
}

export function renderChart(points: readonly { x: number; y: number }[], options: ChartOptions = {}): string {
  const width = options.width ?? 60;
  const height = options.height ?? 15;
  const usable = options.logY ? points.filter((p) => p.y > 0) : points;
  if (usable.length === 0) return "(no data)";
  const ty = (y: number): number => (options.logY ? Math.log10(y) : y);
  const xs = usable.map((p) => p.x);
  const ys = usable.map((p) => ty(p.y));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  const grid = Array.from({ length: height }, () => Array<string>(width).fill(" "));
  const column = (x: number): number => (xMax === xMin ? 0 : Math.round(((x - xMin) / (xMax - xMin)) * (width - 1)));
  const row = (y: number): number => (yMax === yMin ? height - 1 : Math.round(((yMax - y) / (yMax - yMin)) * (height - 1)));
  for (const [i, x] of xs.entries()) {
    const cells = grid[row(ys[i]!)];
    if (cells) cells[column(x)] = "•";
  }
  const label = (v: number): string => (options.logY ? 10 ** v : v).toPrecision(3);
  const labelWidth = Math.max(label(yMax).length, label(yMin).length);
  const lines = grid.map((cells, r) => {
    const text = r === 0 ? label(yMax) : r === height - 1 ? label(yMin) : "";
    return `${text.padStart(labelWidth)} ┤${cells.join("")}`;
  });
  lines.push(`${" ".repeat(labelWidth)} └${"─".repeat(width)}`);
  const xLeft = String(xMin);
  const xRight = String(xMax);
  const xName = options.xLabel ?? "";
  const gap = Math.max(1, width - xLeft.length - xRight.length - xName.length);
  const middle = `${" ".repeat(Math.floor(gap / 2))}${xName}${" ".repeat(Math.ceil(gap / 2))}`;
  lines.push(`${" ".repeat(labelWidth + 2)}${xLeft}${middle}${xRight}`);
  if (options.logY) lines.push(`${" ".repeat(labelWidth + 2)}(log scale)`);
  return lines.join("\n");
}
