import {
  Controller,
  ForbiddenException,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  Req,
  Res,
  ConflictException,
  UnauthorizedException,
} from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiExtraModels,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  ApiSeeOtherResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AppConfig } from '../config/app.config';
import { CrossSiteGuard } from '../edge/cross-site';
import { ApiErrorResponses, JOB_ID_PARAM, SECURITY } from '../http/api-docs';
import { wantsHtml } from '../http/http-errors';
import { parseJobId } from '../queues/job-id';
import { JobViewTokens } from './job-view-token';
import { JobAccessPolicy } from './job-access.policy';
import { JobEventsHub, type JobChange } from './job-events.service';
import { renderJobListPage, renderJobPage } from './job-page';
import { FINAL_STATES, JobsService, MAX_LIST, type JobSummary, type JobView } from './jobs.service';
import { JobListBody, JobViewBody, RetryAcceptedBody } from './jobs.openapi';

const HEARTBEAT_MS = 15000;

@ApiTags('jobs')
@ApiExtraModels(JobListBody, JobViewBody)
// Who may see which job: a Kitsu session, the dashboard login, or (one job) the link's view token.
@ApiSecurity(SECURITY.kitsuSession)
@ApiSecurity(SECURITY.kitsuBearer)
@ApiSecurity(SECURITY.boardLogin)
@Controller('jobs')
export class JobsController {
  constructor(
    private readonly jobs: JobsService,
    private readonly access: JobAccessPolicy,
    private readonly events: JobEventsHub,
    private readonly config: AppConfig,
    private readonly viewTokens: JobViewTokens,
    private readonly crossSite: CrossSiteGuard,
  ) {}

  private get kitsuUrl(): string | null {
    return this.config.KITSU_URL ? this.config.KITSU_URL.replace(/\/+$/, '') : null;
  }

  /** Recent jobs, newest first; `?person=` (id or email) filters, `?limit=` bounds (max 200). */
  @Get()
  @ApiOperation({
    summary: 'Recent jobs, newest first: JSON for scripts, a page for browsers (Accept)',
    description:
      'A Kitsu session sees its own jobs (a studio manager sees every job); the dashboard login sees every job.',
  })
  @ApiQuery({
    name: 'person',
    required: false,
    description: 'Person id or email (ignored for callers who only see their own jobs)',
  })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', maximum: MAX_LIST } })
  @ApiResponse({
    status: 200,
    description: 'The jobs',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(JobListBody) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiErrorResponses({
    401: 'No Kitsu session and no dashboard login: log in to Kitsu, or answer the Basic challenge',
    503: 'Kitsu could not confirm the session, or Redis is unavailable; see Retry-After',
  })
  async list(
    @Query('person') personQuery: string | undefined,
    @Query('limit') limitQuery: string | undefined,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<({ jobs: JobSummary[] } & Record<string, unknown>) | string> {
    const scope = await this.access.listScope(req);
    if (scope.kind === 'login') this.askForLogin(res);
    // A caller limited to their own jobs cannot widen the list with ?person=.
    const person = scope.kind === 'person' ? scope.id : personQuery?.trim() || null;
    const limit = Number.parseInt(limitQuery ?? '', 10);
    const jobs = await this.jobs.list({
      person: person ?? undefined,
      limit: Number.isFinite(limit) ? Math.min(limit, MAX_LIST) : undefined,
    });
    // What the actions flag where people look for their jobs (forward: unstable forwarders).
    const notices = await this.jobs.listNotices();
    res.setHeader('Vary', 'Accept');
    if (wantsHtml(req)) {
      res.type('html');
      return renderJobListPage(
        jobs,
        person ?? null,
        notices.map((notice) => notice.html),
      );
    }
    return { ...Object.fromEntries(notices.map((n) => [n.field, n.data])), jobs };
  }

  /** JSON for scripts, the job page for browsers (content negotiation on Accept). */
  @Get(':id')
  @ApiOperation({ summary: 'A job: JSON for scripts, the live job page for browsers (Accept)' })
  @ApiResponse({
    status: 200,
    description: 'The job',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(JobViewBody) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiErrorResponses({
    404: 'No such job, or not one the caller may see (finished jobs are removed after a while)',
    503: 'The job store (Redis) is unavailable; see Retry-After',
  })
  @ApiParam(JOB_ID_PARAM)
  @ApiSecurity(SECURITY.viewToken)
  async show(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobView | string> {
    const view = await this.visibleJob(id, req);
    res.setHeader('Vary', 'Accept');
    res.setHeader('Cache-Control', 'no-store');
    if (wantsHtml(req)) {
      res.type('html');
      return renderJobPage(view, {
        kitsuUrl: this.kitsuUrl,
        handler: this.jobs.handlerOf(view),
        canRetry: await this.access.canRetry(req, view),
        // The page's own links (events, downloads, retry) carry the token it was opened with.
        viewQuery:
          typeof req.query.view === 'string' && this.access.hasViewToken(req, view)
            ? `?view=${encodeURIComponent(req.query.view)}`
            : '',
      });
    }
    return view;
  }

  /** A finished job's result as a JSON file, whatever its action. */
  @Get(':id/result.json')
  @ApiOperation({ summary: 'Download a finished job’s result as JSON' })
  @ApiResponse({
    status: 200,
    description: 'The action’s result (shape per action), as an attachment',
    content: { 'application/json': { schema: {} } },
  })
  @ApiErrorResponses({ 404: 'No such job, not one the caller may see, or no result yet' })
  @ApiParam(JOB_ID_PARAM)
  @ApiSecurity(SECURITY.viewToken)
  async resultJson(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<unknown> {
    const view = await this.finishedJob(id, req);
    res.setHeader('Content-Disposition', `attachment; filename="${downloadName(id)}.json"`);
    return view.result;
  }

  /** A finished job's result in a format its action offers (its `downloads` hook: stats CSV). */
  @Get(':id/result.:format')
  @ApiOperation({
    summary: 'Download a finished job’s result in a format its action offers (stats: csv)',
  })
  @ApiParam({ name: 'format', description: 'e.g. csv for statistics jobs', example: 'csv' })
  @ApiResponse({
    status: 200,
    description: 'The result in that format (stats CSV: one row per task), as an attachment',
    content: { 'text/csv': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses({
    404: 'No such job, not one the caller may see, no result yet, or no such format for its action',
  })
  @ApiParam(JOB_ID_PARAM)
  @ApiSecurity(SECURITY.viewToken)
  async resultDownload(
    @Param('id') id: string,
    @Param('format') format: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    const view = await this.finishedJob(id, req);
    const download = this.jobs.downloadOf(view, format);
    const body = download?.body(view.result) ?? null;
    if (!download || body === null)
      throw new NotFoundException(
        `Job "${id}" has no ${download?.describes ?? 'result'} to export as ${format.toUpperCase()}`,
      );
    res.type(download.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${downloadName(id)}.${format}"`);
    return body;
  }

  /**
   * Server-Sent Events: `state` {state, progress, failedReason?, final} first and on each change,
   * `progress` {percent, message?} while it runs, then `end` and the stream closes.
   */
  @Get(':id/events')
  @ApiOperation({
    summary: 'Server-Sent Events of a job: state, progress, then end',
    description:
      '`state` {state, progress, failedReason?, final, updated?} first and on each change, `progress` {percent, message?} while it runs, then `end`, and the stream closes.',
  })
  @ApiResponse({
    status: 200,
    description: 'The event stream',
    content: { 'text/event-stream': { schema: { type: 'string' } } },
  })
  @ApiErrorResponses({ 404: 'No such job, or not one the caller may see' })
  @ApiParam(JOB_ID_PARAM)
  @ApiSecurity(SECURITY.viewToken)
  async stream(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const view = await this.visibleJob(id, req);
    const parsed = parseJobId(view.id)!;
    startEventStream(res);
    let closed = false;
    const send = (event: string, data: unknown) => {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    const sendState = (job: JobView, updated: boolean) => send('state', stateEvent(job, updated));
    let unsubscribe: () => void = () => undefined;
    const heartbeat = setInterval(() => {
      if (!closed) res.write(': keep-alive\n\n');
    }, HEARTBEAT_MS);
    const finish = () => {
      if (closed) return;
      send('end', {});
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      res.end();
    };
    req.on('close', () => {
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
    });
    // Snapshots are read and sent one after another so a stale one never follows a newer one;
    // changes that come while one waits its turn share it (a farm of 1,000 renders reports often).
    let chain: Promise<void> = Promise.resolve();
    let queued: { updated: boolean } | null = null;
    const sendLatest = (updated: boolean) => {
      if (queued) {
        queued.updated ||= updated;
        return;
      }
      const turn = { updated };
      queued = turn;
      chain = chain
        .then(async () => {
          queued = null;
          if (closed) return;
          const latest = await this.jobs.view(view.id);
          if (!latest) return finish();
          sendState(latest, turn.updated);
          if (FINAL_STATES.includes(latest.state)) finish();
        })
        .catch(() => undefined);
    };
    // Subscribe before reading the first snapshot so no change falls between the two.
    unsubscribe = await this.events.subscribe(parsed.queue, parsed.bullId, (change: JobChange) => {
      if (change.type === 'progress') send('progress', normalizeProgressEvent(change.data));
      // A job that ended with work still going on (a render) stays active: its page reads the result.
      else sendLatest(change.type === 'changed' || change.type === 'completed');
    });
    if (closed) return unsubscribe();
    sendLatest(false);
  }

  /** Puts a failed job back in its queue. Form posts come back to the job page. */
  @Post(':id/retry')
  @HttpCode(202)
  @ApiOperation({ summary: 'Put a failed job back in its queue' })
  @ApiAcceptedResponse({ description: 'Back in its queue (JSON callers)', type: RetryAcceptedBody })
  @ApiSeeOtherResponse({
    description: 'Back in its queue; the browser goes back to the job page',
    headers: { Location: { description: 'The job page', schema: { type: 'string' } } },
  })
  @ApiErrorResponses({
    403: 'The caller may not retry this job, or a cross-site post (`rule`)',
    404: 'No such job, or not one the caller may see',
    409: 'The job has not failed; only failed jobs can be retried',
    503: 'Kitsu or Redis is unavailable; see Retry-After',
  })
  @ApiParam(JOB_ID_PARAM)
  @ApiSecurity(SECURITY.viewToken)
  async retry(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<{ jobId: string; status: string; statusUrl: string } | void> {
    // Before the job is even looked up: a forged retry learns nothing and costs no Zou call.
    this.crossSite.check(req);
    const view = await this.visibleJob(id, req);
    if (!(await this.access.canRetry(req, view)))
      throw new ForbiddenException('You may not retry this job');
    const job = await this.jobs.find(view.id);
    if (!job || !(await this.jobs.retry(job)))
      throw new ConflictException(
        `Job "${view.id}" is ${view.state}; only failed jobs can be retried`,
      );
    // Back to the page with the clicker's token, which is what allowed the retry (if it did).
    const viewQuery = this.viewTokens.verify(view.id, req.query.view)
      ? this.viewTokens.query(view.id)
      : '';
    if (wantsHtml(req)) {
      res.redirect(303, `/jobs/${view.id}${viewQuery}`);
      return;
    }
    return { jobId: view.id, status: 'waiting', statusUrl: `/jobs/${view.id}${viewQuery}` };
  }

  /**
   * No Kitsu session and no board login: ask for one rather than list nobody's jobs. The Basic
   * challenge makes a browser offer the board login (BOARD_USER/BOARD_PASSWORD) and send it on.
   */
  private askForLogin(res: Response): never {
    const kitsu = this.kitsuUrl ? ` (${this.kitsuUrl})` : '';
    if (this.access.boardLoginEnabled) {
      res.setHeader('WWW-Authenticate', 'Basic realm="Kitsu Actions", charset="UTF-8"');
      throw new UnauthorizedException(
        `Log in to Kitsu${kitsu} in this browser and open this page again, or sign in with the dashboard login`,
      );
    }
    throw new UnauthorizedException(
      `Log in to Kitsu${kitsu} in this browser and open this page again`,
    );
  }

  /** A job the caller may see that completed with a result (downloads), else a 404. */
  private async finishedJob(id: string, req: Request): Promise<JobView & { result: object }> {
    const view = await this.visibleJob(id, req);
    if (view.state !== 'completed' || !view.result || typeof view.result !== 'object')
      throw new NotFoundException(`Job "${id}" has no result yet (state: ${view.state})`);
    return view as JobView & { result: object };
  }

  private async visibleJob(id: string, req: Request): Promise<JobView> {
    const view = await this.jobs.view(id);
    // A job the caller may not see answers like a missing one, so ids cannot be probed.
    if (!view || !(await this.access.canView(req, view)))
      throw new NotFoundException(
        `No job "${id}" (finished jobs are kept for a while, then removed)`,
      );
    return view;
  }
}

function normalizeProgressEvent(data: unknown): { percent: number; message?: string } {
  if (typeof data === 'number') return { percent: data };
  if (data && typeof data === 'object') {
    const { percent, message } = data as { percent?: unknown; message?: unknown };
    return {
      percent: typeof percent === 'number' ? percent : 0,
      ...(typeof message === 'string' ? { message } : {}),
    };
  }
  return { percent: 0 };
}

/** The downloaded file's name, from the job id (a header value: nothing but safe characters). */
function downloadName(id: string): string {
  return `kitsu-actions-${id.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** The event-stream headers, sent at once so the browser knows the stream is open. */
function startEventStream(res: Response): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.flushHeaders();
}

/** The `state` event of a job snapshot. */
function stateEvent(job: JobView, updated: boolean) {
  return {
    state: job.state,
    progress: job.progress,
    failedReason: job.failedReason,
    final: FINAL_STATES.includes(job.state),
    // Follow-up work (render tracking) changed the result: the page reads it again.
    ...(updated ? { updated: true } : {}),
  };
}
