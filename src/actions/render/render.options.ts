import type { FarmAdapter, FarmPlacement } from '../../farms';
import {
  FrameRangeOption,
  LiveSelectOption,
  NumberOption,
  checkOptions,
  parseFrameRange,
} from '../option-fields';
import type {
  ActionOptionsDeclaration,
  OptionChoice,
  OptionSelection,
  OptionValues,
} from '../action.types';
import { frameRangeOf } from './render-frames';
import type { RenderConfig } from './render.config';

/** What a person may change before a render goes to any farm, the dry run included. */
export class RenderFrameOptions {
  @FrameRangeOption({
    label: 'Frame range',
    hint: "First-last for every selected task, e.g. 1001-1100. Empty: each shot's own range from Kitsu.",
    emptyMeans: "each shot's own, from Kitsu",
  })
  frameRange!: string;

  @NumberOption({ label: 'Priority', hint: 'On the farm, 0 (lowest) to 100.', min: 0, max: 100 })
  priority!: number;

  @NumberOption({
    label: 'Frames per farm task',
    hint: 'How many frames each farm task renders (chunk size).',
    min: 1,
    max: 10_000,
  })
  framesPerTask!: number;
}

/** On a farm that sends jobs to pools, groups, tags or hosts: where, in two steps. */
export class RenderOptions extends RenderFrameOptions {
  @LiveSelectOption({
    label: 'Send to',
    hint: 'What to choose next, as this farm calls it: a Flamenco worker tag, a Deadline pool or group, an Afanasy render host. Farm default: the configured one, or anywhere, and no second step.',
    emptyLabel: 'Farm default',
  })
  poolType!: string;

  @LiveSelectOption({
    label: 'Pool, group, tag or host',
    hint: 'As the farm lists them now.',
    emptyLabel: 'Farm default',
    step: 2,
  })
  pool!: string;
}

/** What the farm job takes from the options: numbers only, checked again where they are used. */
export interface RenderRunOptions {
  frameRange: { frameIn: number; frameOut: number } | null;
  priority: number;
  framesPerTask: number;
  /** The chosen pool, group, tag or host; null: the farm's default. */
  placement: FarmPlacement | null;
}

/**
 * The declaration for RenderAction: priority and chunk size from RENDER_PRIORITY and
 * RENDER_FRAMES_PER_TASK; the frame range prefilled when every selected task has the same one.
 */
export function renderOptionsDeclaration(
  config: RenderConfig,
  farm: FarmAdapter,
): ActionOptionsDeclaration<RenderFrameOptions> | ActionOptionsDeclaration<RenderOptions> {
  const frameDefaults = async (selection: OptionSelection) => {
    const ranges = new Set(
      (await selection.tasks()).map((task) => {
        const range = frameRangeOf(task);
        return range ? `${range.frameIn}-${range.frameOut}` : '';
      }),
    );
    return {
      frameRange: ranges.size === 1 ? [...ranges][0] : '',
      priority: config.RENDER_PRIORITY,
      framesPerTask: config.RENDER_FRAMES_PER_TASK,
    };
  };
  // A farm with nowhere to choose (the dry run) asks nothing about it: one step, three fields.
  if (placementKindsOf(farm).length === 0) {
    return { schema: RenderFrameOptions, defaults: frameDefaults };
  }
  return {
    schema: RenderOptions,
    liveChoices: {
      poolType: () => Promise.resolve(placementKindsOf(farm)),
      pool: ({ values }) => listPlacements(farm, values.poolType),
    },
    defaults: async (selection) => ({
      ...(await frameDefaults(selection)),
      poolType: '',
      pool: '',
    }),
  };
}

/** The kinds of place this farm sends jobs to (none for the dry run). */
function placementKindsOf(farm: FarmAdapter): OptionChoice[] {
  return (farm.placementKinds ?? []).map((kind) => ({ value: kind.key, label: kind.label }));
}

/** The places of the chosen kind as the farm lists them now; none before a kind is chosen. */
export async function listPlacements(farm: FarmAdapter, kind: unknown): Promise<OptionChoice[]> {
  if (typeof kind !== 'string' || !kind || !farm.listPlacements) return [];
  if (!(farm.placementKinds ?? []).some((known) => known.key === kind)) return [];
  try {
    return await farm.listPlacements(kind);
  } catch (error) {
    throw new Error(
      `${farm.label} did not answer (${(error as Error).message}); leave it at the farm default or try again shortly`,
      { cause: error },
    );
  }
}

/**
 * The job's stored options, validated again (a job is data in Redis, not a promise) and turned into
 * numbers; a job queued before options existed runs with the configuration. Throws on bad values.
 */
export function renderRunOptions(
  stored: OptionValues | undefined,
  config: RenderConfig,
): RenderRunOptions {
  const defaults = {
    frameRange: '',
    priority: config.RENDER_PRIORITY,
    framesPerTask: config.RENDER_FRAMES_PER_TASK,
    poolType: '',
    pool: '',
  };
  const { values, problems } = checkOptions(RenderOptions, stored ?? {}, defaults, 'json');
  if (problems.length) {
    throw new Error(
      `Render options refused: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
    );
  }
  const poolType = String(values.poolType);
  const pool = String(values.pool);
  if (pool && !poolType) {
    throw new Error('Render options refused: pool needs poolType (pool, group, tag or host)');
  }
  return {
    frameRange: parseFrameRange(String(values.frameRange)),
    priority: values.priority as number,
    framesPerTask: values.framesPerTask as number,
    placement: pool ? { kind: poolType, value: pool } : null,
  };
}
