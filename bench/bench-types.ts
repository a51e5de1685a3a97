/** What a benchmark module reports: one row per measured quantity. */
export interface BenchResult {
  name: string;
  metric: string;
  value: number;
  unit: string;
  /** e.g. `<= 250`: printed beside the value, checked by `run.ts`. */
  target?: { op: "<=" | ">="; value: number };
}

export interface BenchModule {
  name: string;
  run(): Promise<BenchResult[]>;
}

export function meets(result: BenchResult): boolean | undefined {
  if (!result.target) return undefined;
  return result.target.op === "<=" ? result.value <= result.target.value : result.value >= result.target.value;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
