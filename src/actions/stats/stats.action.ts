import { Module } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { configProvider } from '../../config/config.module';
import { mapBounded } from '../../zou/call-limiter';
import { SelectionResolver } from '../../zou/selection-resolver';
import { ZouClient } from '../../zou/zou.client';
import type { ZouEntity, ZouTask } from '../../zou/zou.types';
import { KitsuAction } from '../action.decorator';
import type {
  ActionContext,
  ActionHandler,
  ActionOptionsDeclaration,
  JobOf,
  MenuEntry,
  RenderContext,
  ResultDownload,
} from '../action.types';
import { NumberOption, SelectOption } from '../option-fields';
import { summarizeSelection, type SelectionItem } from '../selection-summary';
import { toUnrecoverable } from '../zou-failure';
import {
  computeStats,
  statsCsv,
  type StatsFigures,
  type StatsInput,
  type TaskRow,
} from './stats.compute';
import { StatsConfig, loadStatsConfig } from './stats.config';
import { renderStatsResult } from './stats.renderer';

export interface StatsResult extends StatsFigures {
  summary: string;
  /** `selection` (the selected tasks) or `project` (every task of their projects). */
  scope: 'selection' | 'project';
  projects: Array<{ id: string; name: string }>;
  /** Selected ids Zou does not know (or the service may not see). */
  missing: string[];
  /** Names of the selected tasks (the clicked ones, whatever the scope), for the Selection panel. */
  selection?: SelectionItem[];
}

declare module '../action.types' {
  interface ActionJobMap {
    stats: Record<never, never>;
  }
  interface ActionResultMap {
    stats: StatsResult;
  }
}

/** What a person may choose before statistics are computed. */
export class StatsOptions {
  @SelectOption({
    label: 'Scope',
    hint: 'The selected tasks only, or every task of their project(s).',
    choices: [
      { value: 'selection', label: 'Selected tasks' },
      { value: 'project', label: 'Whole project' },
    ],
  })
  scope!: string;

  @NumberOption({
    label: 'Hours per working day',
    hint: 'Estimates and time spent are counted in days of this many hours, e.g. 7.5.',
    min: 1,
    max: 24,
    integer: false,
  })
  dayLength!: number;
}

/** Production statistics of the selection, or with `?scope=project` of its whole project(s). */
@KitsuAction({
  name: 'stats',
  label: 'Production statistics',
  description:
    'Status counts, completion, time, late tasks, retakes, people and frames for the selection (or ?scope=project)',
  queue: 'stats',
  entityTypes: 'all',
  ajax: false,
  readOnly: true,
})
export class StatsAction implements ActionHandler<'stats'> {
  /** The scope, asked before a browser click computes (the menu entry's `?scope=` preselects it). */
  readonly options: ActionOptionsDeclaration<StatsOptions> = {
    schema: StatsOptions,
    defaults: ({ params }) =>
      Promise.resolve({
        scope: params.scope ?? 'selection',
        dayLength: this.config.STATS_DAY_HOURS,
      }),
  };

  constructor(
    private readonly resolver: SelectionResolver,
    private readonly zou: ZouClient,
    private readonly config: StatsConfig,
  ) {}

  /** Both scopes go in Kitsu's menu: the selection, and its whole project(s). */
  menuEntries(): MenuEntry[] {
    return [
      { label: 'Production statistics' },
      { label: 'Production statistics (whole project)', params: { scope: 'project' } },
    ];
  }

  renderResult(result: unknown, context: RenderContext): string {
    return renderStatsResult(result, context.jobId, context.viewQuery, context.kitsuUrl);
  }

  /** GET /jobs/:id/result.csv: one row per task, for a spreadsheet. */
  downloads(): ResultDownload[] {
    return [
      {
        format: 'csv',
        contentType: 'text/csv; charset=utf-8',
        describes: 'statistics',
        body: (result) => {
          const rows = (result as { rows?: unknown } | null)?.rows;
          return Array.isArray(rows) ? statsCsv(rows as TaskRow[]) : null;
        },
      },
    ];
  }

  async handle(job: JobOf<'stats'>, context: ActionContext): Promise<StatsResult> {
    const { request, params } = job.data;
    const chosen = job.data.options?.scope;
    const scopeParam = typeof chosen === 'string' ? chosen : (params.scope ?? 'selection');
    if (scopeParam !== 'selection' && scopeParam !== 'project') {
      throw new UnrecoverableError(`scope must be "project" or absent, not "${scopeParam}"`);
    }
    const scope = scopeParam;
    await context.progress(5, `Reading ${request.taskIds.length} task(s) from Kitsu`);
    const selection = await this.resolver
      .resolve(request.taskIds, { projectId: request.projectId })
      .catch(toUnrecoverable);
    const projectIds = [...new Set(selection.tasks.map((t) => t.project.id))];
    if (projectIds.length === 0 && request.projectId) projectIds.push(request.projectId);

    const [taskTypes, statuses] = await Promise.all([
      this.zou.getTaskTypes(),
      this.zou.getTaskStatuses(),
    ]).catch(toUnrecoverable);
    const entities = new Map<string, ZouEntity>();
    const projectNames = new Map<string, string>();
    let tasks: ZouTask[];
    if (scope === 'selection') {
      tasks = selection.tasks.map((resolved) => resolved.task);
      for (const resolved of selection.tasks) {
        for (const entity of [resolved.entity, resolved.sequence, resolved.episode])
          if (entity) entities.set(entity.id, entity);
        projectNames.set(resolved.project.id, resolved.project.name);
      }
    } else {
      await context.progress(20, `Reading every task of ${projectIds.length} project(s)`);
      tasks = await this.loadProjects(projectIds, entities, projectNames).catch(toUnrecoverable);
    }
    await context.progress(80, `Computing figures over ${tasks.length} task(s)`);
    const persons = await this.zou
      .getPersonsByIds(tasks.flatMap((task) => task.assignees ?? []))
      .catch(toUnrecoverable);
    const input: StatsInput = {
      tasks,
      entities,
      taskTypes: new Map(taskTypes.map((row) => [row.id, row])),
      statuses: new Map(statuses.map((row) => [row.id, row])),
      persons: new Map(persons.map((row) => [row.id, row])),
      projectNames,
      dayHours: dayLengthOf(job.data.options?.dayLength, this.config.STATS_DAY_HOURS),
      now: new Date(),
      timeZone: this.config.STATS_TIME_ZONE,
    };
    const figures = computeStats(input);
    const { overall } = figures;
    const summary =
      `Statistics of ${overall.total} task(s) (${scope === 'project' ? [...projectNames.values()].join(', ') : 'selection'}): ` +
      `${Math.round(overall.completion * 100)}% done, ${overall.lateTasks} late, ` +
      `${overall.remainingDays} day(s) remaining` +
      (selection.missing.length ? `, ${selection.missing.length} not found in Kitsu` : '');
    return {
      summary,
      scope,
      projects: [...projectNames.entries()].map(([id, name]) => ({ id, name })),
      missing: selection.missing,
      ...figures,
      selection: summarizeSelection(selection.tasks),
    };
  }

  /**
   * Every task of the projects in ceil(tasks / ZOU_PAGE_SIZE) paged reads each, their shots,
   * sequences, episodes and assets in one read per kind, and any other entity in bulk.
   */
  private async loadProjects(
    projectIds: string[],
    entities: Map<string, ZouEntity>,
    projectNames: Map<string, string>,
  ): Promise<ZouTask[]> {
    const perProject = await mapBounded(projectIds, 2, async (projectId) => {
      const [project, tasks, ...lists] = await Promise.all([
        this.zou.getProject(projectId),
        this.zou.getProjectTasks(projectId),
        this.zou.getShots(projectId),
        this.zou.getSequences(projectId),
        this.zou.getEpisodes(projectId),
        this.zou.getAssets(projectId),
      ]);
      projectNames.set(project.id, project.name);
      for (const entity of lists.flat()) entities.set(entity.id, entity);
      return tasks;
    });
    const tasks = perProject.flat();
    const unknown = [...new Set(tasks.map((task) => task.entity_id))].filter(
      (id) => !entities.has(id),
    );
    if (unknown.length) {
      for (const entity of await this.zou.getEntities(unknown)) entities.set(entity.id, entity);
    }
    return tasks;
  }
}

/** The chosen day length (validated again by the worker before the run), else STATS_DAY_HOURS. */
function dayLengthOf(chosen: unknown, configured: number): number {
  return typeof chosen === 'number' && chosen >= 1 && chosen <= 24 ? chosen : configured;
}

@Module({ providers: [configProvider(StatsConfig, loadStatsConfig), StatsAction] })
export class StatsModule {}
