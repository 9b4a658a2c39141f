import { FrameRangeOption, NumberOption, checkOptions, parseFrameRange } from '../option-fields';
import type { ActionOptionsDeclaration, OptionValues } from '../action.types';
import { frameRangeOf } from './render-frames';
import type { RenderConfig } from './render.config';

/** What a person may change before a render goes to the farm. */
export class RenderOptions {
  @FrameRangeOption({
    label: 'Frame range',
    hint: "First-last for every selected task, e.g. 1001-1100. Empty: each shot's own range from Kitsu.",
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

/** What the farm job takes from the options: numbers only, checked again where they are used. */
export interface RenderRunOptions {
  frameRange: { frameIn: number; frameOut: number } | null;
  priority: number;
  framesPerTask: number;
}

/**
 * The declaration for RenderAction: priority and chunk size from RENDER_PRIORITY and
 * RENDER_FRAMES_PER_TASK; the frame range prefilled when every selected task has the same one.
 */
export function renderOptionsDeclaration(
  config: RenderConfig,
): ActionOptionsDeclaration<RenderOptions> {
  return {
    schema: RenderOptions,
    async defaults(selection) {
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
    },
  };
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
  };
  const { values, problems } = checkOptions(RenderOptions, stored ?? {}, defaults, 'json');
  if (problems.length) {
    throw new Error(
      `Render options refused: ${problems.map((p) => `${p.field} ${p.reason}`).join('; ')}`,
    );
  }
  return {
    frameRange: parseFrameRange(String(values.frameRange)),
    priority: values.priority as number,
    framesPerTask: values.framesPerTask as number,
  };
}
