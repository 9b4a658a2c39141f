import { Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { AppConfig } from '../../config/app.config';
import { configProvider } from '../../config/config.module';
import { SelectionResolver, type ResolvedTask } from '../../zou/selection-resolver';
import { ZouClient } from '../../zou/zou.client';
import { KitsuAction } from '../action.decorator';
import type { ActionContext, ActionHandler, JobOf, MenuEntry } from '../action.types';
import { selectionItemLabel, summarizeSelection, type SelectionItem } from '../selection-summary';
import { toUnrecoverable } from '../zou-failure';
import { LaunchConfig, type Launcher } from './launch.config';
import {
  fillPathTemplate,
  fillUrlTemplate,
  schemeOf,
  type SelectionField,
  type TaskValues,
} from './launch-template';
import { renderLaunchResult } from './launch.renderer';

/** One URL of a launch and what it opens, for its button on the job page. */
export interface LaunchLink {
  url: string;
  /** "SQ01 / SH010 · Animation", or for a whole-selection URL "3 tasks". */
  label: string;
  /** The tasks it opens, in selection order. */
  taskIds: string[];
}

export interface LaunchResult {
  summary: string;
  launcher: string;
  /** The launcher's label, what the buttons say they open with. */
  launcherLabel?: string;
  /** One per selected task, or one for the selection when the template uses a selection field. */
  urls: string[];
  /** The same URLs, each with what it opens (jobs queued before this field have only `urls`). */
  links?: LaunchLink[];
  /**
   * The URL the job page goes to by itself when the job completes: the only one, or the first
   * when it is a desktop tool's (non-web) scheme, which the browser hands over without leaving
   * the page. Web URLs of several tasks are opened one by one from their buttons instead.
   */
  openUrl: string | null;
  /** Tasks of an entity type the launcher does not take. */
  skipped: string[];
  missing: string[];
  /** Names of the selected tasks, for the job page. */
  selection?: SelectionItem[];
}

declare module '../action.types' {
  interface ActionJobMap {
    launch: Record<never, never>;
  }
  interface ActionResultMap {
    launch: LaunchResult;
  }
}

function numberText(value: unknown): string {
  return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '')
    ? String(value)
    : '';
}

/** Extensions Kitsu shows as pictures (it serves them under their own extension). */
const PICTURE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif']);

/**
 * A preview's file as Kitsu's front end links it: movies at `/api/movies/originals/…/<id>.mp4`,
 * pictures at `/api/pictures/originals/…/<id>.<extension>`, any other file (PDF, OBJ, ZIP...)
 * through its download route `/api/pictures/originals/…/<id>/download`. An unknown extension
 * (the preview could not be read) is taken for a movie, what most shot previews are.
 */
export function previewFileUrl(kitsuBase: string, previewId: string, extension?: string): string {
  const ext = (extension ?? 'mp4').toLowerCase();
  if (ext === 'mp4') return `${kitsuBase}/api/movies/originals/preview-files/${previewId}.mp4`;
  if (PICTURE_EXTENSIONS.has(ext)) {
    return `${kitsuBase}/api/pictures/originals/preview-files/${previewId}.${ext}`;
  }
  return `${kitsuBase}/api/pictures/originals/preview-files/${previewId}/download`;
}

/** The field values of one task; `kitsuBase` is the Kitsu web app URL without trailing slash. */
export function taskValues(
  resolved: ResolvedTask,
  kitsuBase: string,
  personEmail: string,
  previewExtensions: ReadonlyMap<string, string> = new Map(),
): Omit<TaskValues, 'working_file'> {
  const { task, entity, sequence, episode, project, taskType, taskStatus } = resolved;
  const data = (entity.data ?? {}) as Record<string, unknown>;
  const type = resolved.entityType.toLowerCase();
  const section = type === 'asset' ? 'assets' : type === 'shot' ? 'shots' : `${type}s`;
  const episodePart = episode && type !== 'episode' ? `/episodes/${episode.id}` : '';
  const preview = task.last_preview_file_id ?? '';
  return {
    project: project.name,
    project_id: project.id,
    episode: episode?.name ?? '',
    episode_id: episode?.id ?? '',
    sequence: sequence?.name ?? '',
    sequence_id: sequence?.id ?? '',
    shot: type === 'shot' ? entity.name : '',
    asset: type === 'asset' ? entity.name : '',
    entity: entity.name,
    entity_id: entity.id,
    entity_type: type,
    task_type: taskType.name,
    task_type_id: taskType.id,
    task: task.name,
    task_id: task.id,
    task_status: taskStatus.short_name,
    frame_in: numberText(data.frame_in),
    frame_out: numberText(data.frame_out),
    preview_file_id: preview,
    preview_url: preview ? previewFileUrl(kitsuBase, preview, previewExtensions.get(preview)) : '',
    kitsu_url: `${kitsuBase}/productions/${project.id}${episodePart}/${section}/tasks/${task.id}`,
    person_email: personEmail,
  };
}

/** Builds the URL(s) of a launcher for resolved tasks already filtered to its entity types. */
export function buildLaunchUrls(
  launcher: Launcher,
  tasks: ResolvedTask[],
  kitsuBase: string,
  personEmail: string,
  previewExtensions: ReadonlyMap<string, string> = new Map(),
): string[] {
  return buildLaunchLinks(launcher, tasks, kitsuBase, personEmail, previewExtensions).map(
    (link) => link.url,
  );
}

/**
 * The URL(s) of a launcher with what each opens: one per task (tasks giving the same URL share
 * it, their names joined), or one for the whole selection.
 */
export function buildLaunchLinks(
  launcher: Launcher,
  tasks: ResolvedTask[],
  kitsuBase: string,
  personEmail: string,
  previewExtensions: ReadonlyMap<string, string> = new Map(),
): LaunchLink[] {
  const values = tasks.map((t) => {
    const base = taskValues(t, kitsuBase, personEmail, previewExtensions);
    const working = launcher.pathTemplate ? fillPathTemplate(launcher.pathTemplate, base) : '';
    return { ...base, working_file: working };
  });
  const selection: Record<SelectionField, string[]> = {
    preview_urls: values.map((v) => v.preview_url).filter(Boolean),
    preview_file_ids: values.map((v) => v.preview_file_id).filter(Boolean),
    task_ids: values.map((v) => v.task_id),
  };
  if (launcher.compiled.perSelection) {
    const url = fillUrlTemplate(launcher.compiled, values[0] ?? {}, selection);
    const label = tasks.length === 1 ? taskLabel(tasks[0]) : `${tasks.length} tasks`;
    return [{ url, label, taskIds: tasks.map((t) => t.task.id) }];
  }
  const byUrl = new Map<string, { labels: string[]; taskIds: string[] }>();
  values.forEach((v, index) => {
    const url = fillUrlTemplate(launcher.compiled, v, selection);
    const link = byUrl.get(url) ?? { labels: [], taskIds: [] };
    const label = taskLabel(tasks[index]);
    if (!link.labels.includes(label)) link.labels.push(label);
    link.taskIds.push(v.task_id);
    byUrl.set(url, link);
  });
  return [...byUrl].map(([url, link]) => ({
    url,
    label: link.labels.join(', '),
    taskIds: link.taskIds,
  }));
}

/** "SQ01 / SH010 · Animation": what a person calls the task. */
function taskLabel(resolved: ResolvedTask): string {
  const [item] = summarizeSelection([resolved]);
  return selectionItemLabel(item);
}

/** Web pages replace the job page when opened; a desktop tool's scheme leaves it in place. */
function opensInPlace(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme !== null && scheme !== 'http' && scheme !== 'https';
}

/** Opens a player, a DCC or an asset manager at the selection's context through a URL. */
@KitsuAction({
  name: 'launch',
  label: 'Launch',
  description: 'Opens a tool (player, DCC, asset manager, web page) at the selection',
  queue: 'launch',
  entityTypes: 'all',
  ajax: false,
})
export class LaunchAction implements ActionHandler<'launch'> {
  private readonly launchers: Map<string, Launcher>;

  constructor(
    private readonly config: LaunchConfig,
    private readonly app: AppConfig,
    private readonly resolver: SelectionResolver,
    private readonly zou: ZouClient,
  ) {
    this.launchers = new Map(this.config.launchers.map((l) => [l.name, l]));
  }

  private previewExtensions(
    launcher: Launcher,
    tasks: ResolvedTask[],
  ): Promise<Map<string, string>> {
    return readPreviewExtensions(this.zou, launcher, tasks);
  }

  variants(): string[] {
    return [...this.launchers.keys()];
  }

  /** One Kitsu menu entry per launcher, under its own label and entity types. */
  menuEntries(): MenuEntry[] {
    return [...this.launchers.values()].map((launcher) => ({
      label: launcher.label,
      variant: launcher.name,
      ...(launcher.entityTypes ? { entityTypes: launcher.entityTypes } : {}),
    }));
  }

  /** The job page shows the links that open the tool. */
  renderResult(result: unknown): string {
    return renderLaunchResult(result);
  }

  async handle(job: JobOf<'launch'>, context: ActionContext): Promise<LaunchResult> {
    const launcher = this.launchers.get(job.data.variant);
    if (!launcher) throw new UnrecoverableError(`Unknown launcher "${job.data.variant}"`);
    const { taskIds, projectId, originServer, personEmail } = job.data.request;
    await context.progress(10, `Reading ${taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(taskIds, { projectId })
      .catch((error: unknown) => toUnrecoverable(error));
    const accepted = launcher.entityTypes;
    const fits = (t: ResolvedTask) =>
      !accepted || (accepted as string[]).includes(t.entityType.toLowerCase());
    const usable = selection.tasks.filter(fits);
    const skipped = selection.tasks.filter((t) => !fits(t)).map((t) => t.task.id);
    const kitsuBase = (this.app.KITSU_URL ?? `https://${originServer}`).replace(/\/+$/, '');
    const extensions = await this.previewExtensions(launcher, usable).catch(toUnrecoverable);
    const links = usable.length
      ? buildLaunchLinks(launcher, usable, kitsuBase, personEmail, extensions)
      : [];
    const urls = links.map((link) => link.url);
    // Values are encoded, so the scheme cannot change; checked again so a bug cannot leak one.
    for (const url of urls) {
      const scheme = schemeOf(url);
      if (!scheme || !this.config.LAUNCH_SCHEMES.includes(scheme)) {
        throw new UnrecoverableError(`Refused to produce a ${scheme ?? 'scheme-less'} URL`);
      }
    }
    if (!urls.length) {
      throw new UnrecoverableError(
        `Nothing to open with ${launcher.label}: none of the selected tasks fits it` +
          (accepted ? ` (it takes ${accepted.join(', ')} tasks)` : ''),
      );
    }
    const extra = [
      skipped.length ? `${skipped.length} skipped (wrong entity type)` : '',
      selection.missing.length ? `${selection.missing.length} not found in Kitsu` : '',
    ].filter(Boolean);
    const summary =
      `${launcher.label}: ${urls.length} link(s) for ${usable.length} task(s)` +
      (extra.length ? `, ${extra.join(', ')}` : '');
    return {
      summary,
      launcher: launcher.name,
      launcherLabel: launcher.label,
      urls,
      links,
      openUrl: urls.length === 1 || opensInPlace(urls[0]) ? urls[0] : null,
      skipped,
      missing: selection.missing,
      selection: summarizeSelection(selection.tasks),
    };
  }
}

/** Whether a preview's URL depends on its kind: only then are the previews read. */
const PREVIEW_URL_FIELDS = ['preview_url', 'preview_urls'];

/** Preview id -> extension for the tasks' latest previews, when the template links them. */
async function readPreviewExtensions(
  zou: ZouClient,
  launcher: Launcher,
  tasks: ResolvedTask[],
): Promise<Map<string, string>> {
  const linked = launcher.compiled.fields.some((field) => PREVIEW_URL_FIELDS.includes(field));
  const withPreview = tasks.filter((t) => t.task.last_preview_file_id);
  if (!linked || withPreview.length === 0) return new Map();
  const previews = await zou.getPreviewFilesOfTasks(withPreview.map((t) => t.task.id));
  return new Map(previews.map((preview) => [preview.id, preview.extension]));
}

@Module({ providers: [configProvider(LaunchConfig), LaunchAction] })
export class LaunchModule {}
