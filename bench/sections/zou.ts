import type { BenchContext } from '../lib/context';
import type { TargetRow } from '../report';

export interface ZouResults {
  /** Actions measured, and those not on main yet. */
  measured: string[];
  missing: string[];
  targets: TargetRow[];
  markdown: string;
}

const WANTED = ['inspect', 'stats', 'playlist', 'render'];

/** Zou efficiency needs the Zou client, its simulator and the actions; none are on main yet. */
export async function runZou(ctx: BenchContext): Promise<ZouResults> {
  ctx.log(`zou: not measured, missing on main: ${WANTED.join(', ')}`);
  return {
    measured: [],
    missing: WANTED,
    targets: [],
    markdown: [
      '## 4. Zou efficiency',
      '',
      `Not measured: the Zou simulator and the actions ${WANTED.join(', ')} were not on main.`,
    ].join('\n'),
  };
}
