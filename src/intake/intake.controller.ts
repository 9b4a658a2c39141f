import {
  Controller,
  Get,
  HttpCode,
  HttpException,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ActionRegistry } from '../actions/action-registry.service';
import type { RegisteredAction } from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { ActionAuthorizer } from '../auth/authz.service';
import { CallerAuth } from '../auth/caller-auth.service';
import { ActionRateLimiter } from '../edge/rate-limiter';
import { JobViewTokens } from '../jobs/job-view-token';
import { isSecretParam } from '../http/redact';
import { parseKitsuRequest } from './kitsu-request';
import { IntakeService } from './intake.service';

@Controller('actions')
export class IntakeController {
  constructor(
    private readonly intake: IntakeService,
    private readonly registry: ActionRegistry,
    private readonly config: AppConfig,
    private readonly auth: CallerAuth,
    private readonly rateLimiter: ActionRateLimiter,
    private readonly authz: ActionAuthorizer,
    private readonly viewTokens: JobViewTokens,
  ) {}

  /** What can be asked for, with the URL to register in Kitsu for each. */
  @Get()
  list(): { actions: ActionSummary[] } {
    return { actions: this.publicActions().map((a) => this.summary(a)) };
  }

  @Post(':action')
  @HttpCode(202)
  run(
    @Param('action') name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Accepted | undefined> {
    return this.accept(name, '', req, res);
  }

  @Post(':action/:variant')
  @HttpCode(202)
  runVariant(
    @Param('action') name: string,
    @Param('variant') variant: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Accepted | undefined> {
    return this.accept(name, variant, req, res);
  }

  private async accept(
    name: string,
    variant: string,
    req: Request,
    res: Response,
  ): Promise<Accepted | undefined> {
    const action = this.findAction(name, variant);
    const isForm =
      req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
    if (!isForm && !req.is('application/json')) {
      throw new UnsupportedMediaTypeException(
        'Send application/json (Kitsu AJAX mode) or application/x-www-form-urlencoded (form mode)',
      );
    }
    const request = parseKitsuRequest(req.body, {
      maxSelection: this.config.MAX_SELECTION,
      format: isForm ? 'form' : 'ajax',
    });
    // Who is asking is checked before anything is stored.
    await this.auth.verify(req, request, action.options.name);
    // Counted once the caller is known, so nobody can spend another person's budget.
    const rate = await this.rateLimiter.check(request.personId, req.ip);
    if (!rate.allowed) {
      throw new HttpException(
        {
          message:
            rate.limit === 'person'
              ? `Too many actions from this person: at most ${rate.max} per ${this.rateLimiter.config.RATE_LIMIT_WINDOW_S} s`
              : `Too many actions from this address: at most ${rate.max} per ${this.rateLimiter.config.RATE_LIMIT_WINDOW_S} s`,
          limit: rate.limit,
          retryAfter: rate.retryAfterS,
        },
        429,
      );
    }
    // Then whether that person may run this action on these tasks (403 names the rule).
    await this.authz.authorize(request, action);
    const { jobId, duplicate } = await this.intake.enqueue({
      action,
      variant,
      request,
      params: publicParams(req.query),
      requestId: req.requestId,
    });
    // The link carries a view token: the job page opens for whoever clicked, whatever AUTH_MODE.
    const jobPath = `/jobs/${jobId}${this.viewTokens.query(jobId)}`;
    const statusUrl = `${this.config.publicUrl}${jobPath}`;
    if (isForm) {
      // A form post opened a browser tab: send it to the page that shows the job.
      res.redirect(303, jobPath);
      return undefined;
    }
    res.setHeader('Location', jobPath);
    return {
      jobId,
      action: variant ? `${name}/${variant}` : name,
      status: duplicate ? 'duplicate' : 'queued',
      duplicate,
      statusUrl,
    };
  }

  private findAction(name: string, variant: string): RegisteredAction {
    const action = this.registry.get(name);
    if (!action || action.options.internal) {
      throw new NotFoundException({
        message: `Unknown action "${name}"`,
        knownActions: this.publicActions().map((a) => a.options.name),
      });
    }
    const variants = action.handler.variants?.();
    if (variants && !variants.includes(variant)) {
      throw new NotFoundException({
        message: variant
          ? `Unknown ${name} "${variant}"`
          : `Action "${name}" needs one of: ${variants.map((v) => `${name}/${v}`).join(', ')}`,
        knownActions: variants.map((v) => `${name}/${v}`),
      });
    }
    if (!variants && variant) {
      throw new NotFoundException({
        message: `Action "${name}" has no sub-action "${variant}"`,
        knownActions: this.publicActions().map((a) => a.options.name),
      });
    }
    return action;
  }

  private publicActions(): RegisteredAction[] {
    return this.registry.all().filter((a) => !a.options.internal);
  }

  private summary(action: RegisteredAction): ActionSummary {
    const { name, label, description, entityTypes, ajax } = action.options;
    const variants = action.handler.variants?.();
    const base = `${this.config.publicUrl}/actions/${name}`;
    return {
      name,
      label,
      description,
      entityTypes: entityTypes === 'all' ? 'all' : [...entityTypes],
      ajax,
      urls: variants ? variants.map((v) => `${base}/${v}`) : [base],
    };
  }
}

function publicParams(query: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (isSecretParam(key) || typeof value !== 'string') continue;
    if (/^[A-Za-z0-9_-]{1,40}$/.test(key) && value.length <= 200) out[key] = value;
  }
  return out;
}

export interface Accepted {
  jobId: string;
  action: string;
  status: 'queued' | 'duplicate';
  duplicate: boolean;
  statusUrl: string;
}

export interface ActionSummary {
  name: string;
  label: string;
  description: string;
  entityTypes: string[] | 'all';
  ajax: boolean;
  urls: string[];
}
