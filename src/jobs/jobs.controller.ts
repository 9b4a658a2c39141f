import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { wantsHtml } from '../http/http-errors';
import { renderJobPage } from './job-page';
import { JobsService, type JobView } from './jobs.service';

@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  /** JSON for scripts, the job page for browsers (content negotiation on Accept). */
  @Get(':id')
  async show(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobView | string> {
    const view = await this.jobs.view(id);
    if (!view)
      throw new NotFoundException(
        `No job "${id}" (finished jobs are kept for a while, then removed)`,
      );
    res.setHeader('Vary', 'Accept');
    if (wantsHtml(req)) {
      res.type('html');
      return renderJobPage(view);
    }
    return view;
  }
}
