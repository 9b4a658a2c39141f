import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { ApiErrorResponses, JOB_ID_PARAM, SECURITY } from '../../http/api-docs';
import { JobAccessPolicy } from '../../jobs/job-access.policy';
import { JobsService, type JobView } from '../../jobs/jobs.service';
import { statsCsv, type TaskRow } from './stats.compute';

/** Downloads of a finished job's result: JSON for any action, CSV for statistics. */
@ApiTags('jobs')
@ApiParam(JOB_ID_PARAM)
@ApiSecurity(SECURITY.viewToken)
@ApiSecurity(SECURITY.kitsuSession)
@ApiSecurity(SECURITY.kitsuBearer)
@ApiSecurity(SECURITY.boardLogin)
@Controller('jobs')
export class StatsResultController {
  constructor(
    private readonly jobs: JobsService,
    private readonly access: JobAccessPolicy,
  ) {}

  @Get(':id/result.json')
  @ApiOperation({ summary: 'Download a finished job’s result as JSON' })
  @ApiResponse({
    status: 200,
    description: 'The action’s result (shape per action), as an attachment',
    content: { 'application/json': { schema: {} } },
  })
  @ApiErrorResponses({ 404: 'No such job, not one the caller may see, or no result yet' })
  async json(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const { result } = await this.finished(id, req);
    res.setHeader('Content-Disposition', `attachment; filename="${fileName(id)}.json"`);
    return result;
  }

  @Get(':id/result.csv')
  @ApiOperation({ summary: 'Download a finished statistics job’s rows as CSV' })
  @ApiResponse({
    status: 200,
    description: 'One row per task, as an attachment',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses({
    404: 'No such job, not one the caller may see, no result yet, or not a statistics job',
  })
  async csv(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const { view, result } = await this.finished(id, req);
    const rows = (result as { rows?: unknown }).rows;
    if (view.action !== 'stats' || !Array.isArray(rows))
      throw new NotFoundException(`Job "${id}" has no statistics to export as CSV`);
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${fileName(id)}.csv"`);
    return statsCsv(rows as TaskRow[]);
  }

  private async finished(id: string, req: Request): Promise<{ view: JobView; result: object }> {
    const view = await this.jobs.view(id);
    // Same rule as the job page: a job the caller may not see answers like a missing one.
    if (!view || !(await this.access.canView(req, view)))
      throw new NotFoundException(`No job "${id}" (finished jobs are kept for a while)`);
    if (view.state !== 'completed' || !view.result || typeof view.result !== 'object')
      throw new NotFoundException(`Job "${id}" has no result yet (state: ${view.state})`);
    return { view, result: view.result };
  }
}

function fileName(id: string): string {
  return `kitsu-actions-${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}
