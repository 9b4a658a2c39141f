import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { menuEntriesOf, menuEntryPath } from '../actions/menu-entries';
import { variantOptions } from '../actions/variant-options';
import type { RegisteredAction } from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { ActionIntake, type Accepted, type IntakeCall } from './action-intake.service';
import { ActionListBody, ApiIntakeRoute } from './intake.openapi';
import { bindingCookie } from './options.controller';

export type { Accepted } from './action-intake.service';

@ApiTags('intake')
@Controller('actions')
export class IntakeController {
  constructor(
    private readonly intake: ActionIntake,
    private readonly config: AppConfig,
  ) {}

  /** What can be asked for, with the URL to register in Kitsu for each. */
  @Get()
  @ApiOperation({ summary: 'Actions that can be run, with the URL to register in Kitsu' })
  @ApiOkResponse({ type: ActionListBody })
  list(): { actions: ActionSummary[] } {
    return { actions: this.publicActions().map((a) => this.summary(a)) };
  }

  @Post(':action')
  @HttpCode(202)
  @ApiIntakeRoute('Run an action')
  run(
    @Param('action') name: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Accepted | undefined> {
    return this.accept(name, '', req, res);
  }

  @Post(':action/:variant')
  @HttpCode(202)
  @ApiIntakeRoute('Run a sub-action (a launcher, a forwarder)')
  @ApiParam({ name: 'variant', description: 'Launcher or forwarder name (see GET /actions)' })
  runVariant(
    @Param('action') name: string,
    @Param('variant') variant: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<Accepted | undefined> {
    return this.accept(name, variant, req, res);
  }

  /**
   * Every format and content type lands here; Kitsu's AJAX JSON clicks usually take the intake
   * fast lane instead (intake-fast-lane.ts), which hands the same call to the same ActionIntake.
   */
  private async accept(
    name: string,
    variant: string,
    req: Request,
    res: Response,
  ): Promise<Accepted | undefined> {
    const isForm =
      req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
    const isJson = !isForm && Boolean(req.is('application/json'));
    const call: IntakeCall = {
      action: name,
      variant,
      format: isForm ? 'form' : isJson ? 'ajax' : null,
      body: req.body,
      query: req.query,
      headers: req.headers,
      rawBody: req.rawBody,
      method: req.method,
      target: req.originalUrl,
      ip: req.ip,
      requestId: req.requestId,
    };
    // A browser tab (not curl posting a form) is asked for the options of actions that have some.
    if (isForm && prefersHtml(req)) {
      const outcome = await this.intake.acceptOrAsk(call);
      if ('kind' in outcome) {
        res.setHeader(
          'Set-Cookie',
          bindingCookie(outcome.pendingId, outcome.binding, outcome.ttlS, this.config.publicUrl),
        );
        res.redirect(303, `/options/${outcome.pendingId}`);
        return undefined;
      }
      res.redirect(303, outcome.jobPath);
      return undefined;
    }
    const { jobPath, body } = await this.intake.accept(call);
    if (isForm) {
      // A form post opened a browser tab: send it to the page that shows the job.
      res.redirect(303, jobPath);
      return undefined;
    }
    res.setHeader('Location', jobPath);
    return body;
  }

  private publicActions(): RegisteredAction[] {
    return this.intake.publicActions();
  }

  private summary(action: RegisteredAction): ActionSummary {
    const { name, label, description, entityTypes, ajax } = action.options;
    // The entries `actions:register` would put in Kitsu's menu (none when nothing is configured).
    // An entry that asks for options opens its form in a tab (form mode), whatever `ajax` says.
    const entries = menuEntriesOf(action).map((entry) => ({
      label: entry.label,
      url: this.config.publicUrl + menuEntryPath(name, entry),
      ajax: ajax && !variantOptions(action.handler, entry.variant ?? ''),
    }));
    return {
      name,
      label,
      description,
      entityTypes: entityTypes === 'all' ? 'all' : [...entityTypes],
      // As registration proposes it: an action with options opens its form in a tab.
      ajax: ajax && !action.handler.options && entries.every((entry) => entry.ajax),
      urls: entries.map((entry) => entry.url),
      entries,
    };
  }
}

/** Whether the client would rather read HTML than JSON (browsers say so; curl's Accept: *\/* does not). */
function prefersHtml(req: Request): boolean {
  return (
    Boolean(req.headers.accept) && req.accepts(['application/json', 'text/html']) === 'text/html'
  );
}

export interface ActionSummary {
  name: string;
  label: string;
  description: string;
  entityTypes: string[] | 'all';
  ajax: boolean;
  urls: string[];
  /** Menu entries with their labels, as registration writes them. */
  entries: Array<{ label: string; url: string; ajax: boolean }>;
}
