/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

export const median = (samples: number[]): number => percentile(samples, 50);

/**
 * A figure measured in rounds: the median the targets judge (a round that met a slow phase of
 * the machine alone does not decide it), and the lowest and highest round beside it.
 */
export interface RoundsFigure {
  median: number;
  range: [number, number];
}

export function roundsFigure(values: number[]): RoundsFigure {
  return { median: median(values), range: [Math.min(...values), Math.max(...values)] };
}

/** Polls a condition with a bound; the bench's way to wait for Redis-side progress. */
export async function waitFor(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
