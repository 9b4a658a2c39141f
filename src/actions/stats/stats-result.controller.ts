import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';
import { JobsService } from '../../jobs/jobs.service';
import { statsCsv, type TaskRow } from './stats.compute';

/** Downloads of a finished job's result: JSON for any action, CSV for statistics. */
@Controller('jobs')
export class StatsResultController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id/result.json')
  async json(@Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<unknown> {
    const result = await this.result(id);
    res.setHeader('Content-Disposition', `attachment; filename="${fileName(id)}.json"`);
    return result;
  }

  @Get(':id/result.csv')
  async csv(@Param('id') id: string, @Res({ passthrough: true }) res: Response): Promise<string> {
    const view = await this.jobs.view(id);
    const result = await this.result(id, view);
    const rows = (result as { rows?: unknown }).rows;
    if (view?.action !== 'stats' || !Array.isArray(rows))
      throw new NotFoundException(`Job "${id}" has no statistics to export as CSV`);
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName(id)}.csv"`);
    return statsCsv(rows as TaskRow[]);
  }

  private async result(
    id: string,
    known?: Awaited<ReturnType<JobsService['view']>>,
  ): Promise<object> {
    const view = known === undefined ? await this.jobs.view(id) : known;
    if (!view) throw new NotFoundException(`No job "${id}" (finished jobs are kept for a while)`);
    if (view.state !== 'completed' || !view.result || typeof view.result !== 'object')
      throw new NotFoundException(`Job "${id}" has no result yet (state: ${view.state})`);
    return view.result;
  }
}

function fileName(id: string): string {
  return `kitsu-actions-${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}
