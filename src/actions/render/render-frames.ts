import type { ResolvedTask } from '../../zou/selection-resolver';

export function numberOf(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return null;
}

/** data.frame_in..data.frame_out, else 1..nb_frames; null when the shot says neither. */
export function frameRangeOf(resolved: ResolvedTask): { frameIn: number; frameOut: number } | null {
  const data = (resolved.entity.data ?? {}) as Record<string, unknown>;
  const frameIn = numberOf(data.frame_in);
  const frameOut = numberOf(data.frame_out);
  if (frameIn !== null && frameOut !== null && frameOut >= frameIn) return { frameIn, frameOut };
  const count = numberOf(resolved.entity.nb_frames);
  if (count !== null && count >= 1) return { frameIn: 1, frameOut: count };
  return null;
}
