import {
  Controller,
  ForbiddenException,
  Get,
  HttpException,
  Param,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ActionRegistry } from '../actions/action-registry.service';
import type { OptionValue, OptionValues, RegisteredAction } from '../actions/action.types';
import { checkOptions, optionFieldsOf, type OptionField } from '../actions/option-fields';
import { variantOptions } from '../actions/variant-options';
import { CallerAuth } from '../auth/caller-auth.service';
import { AppConfig } from '../config/app.config';
import { CrossSiteGuard } from '../edge/cross-site';
import { ActionIntake } from './action-intake.service';
import { renderOptionsEndPage, renderOptionsPage } from './options-page';
import { BINDING_COOKIE, PendingOptions, type PendingClick } from './pending-options';

/**
 * The option form of a parked click (see ActionIntake.acceptOrAsk): shown, submitted, canceled.
 * Only the browser the form was handed to (its cookie), and never another person's Kitsu session,
 * may use it; the person and the selection come from the parked click, never from the form.
 */
@Controller('options')
export class OptionsController {
  constructor(
    private readonly pending: PendingOptions,
    private readonly intake: ActionIntake,
    private readonly registry: ActionRegistry,
    private readonly crossSite: CrossSiteGuard,
    private readonly auth: CallerAuth,
    private readonly config: AppConfig,
  ) {}

  @Get(':id')
  async show(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const click = await this.usable(req, await this.pending.read(id));
    const action = this.actionOf(click);
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(
      renderOptionsPage({
        pendingId: id,
        title: titleOf(action, click),
        fields: optionFieldsOf(variantOptions(action.handler, click.variant)!.schema),
        values: click.defaults,
        problems: [],
        selection: click.selection,
        taskCount: click.request.taskIds.length,
        expiresAt: click.expiresAt,
      }),
    );
  }

  /** Run: valid values queue the job (303 to its page); refused ones come back with reasons. */
  @Post(':id')
  async submit(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.crossSite.check(req);
    const click = await this.usable(req, await this.pending.read(id));
    const action = this.actionOf(click);
    const schema = variantOptions(action.handler, click.variant)!.schema;
    const given = formFields(req.body);
    const { values, problems } = checkOptions(schema, given, click.defaults, 'form');
    res.setHeader('Cache-Control', 'no-store');
    if (problems.length) {
      res
        .status(422)
        .type('html')
        .send(
          renderOptionsPage({
            pendingId: id,
            title: titleOf(action, click),
            fields: optionFieldsOf(schema),
            values: enteredValues(optionFieldsOf(schema), given, click.defaults),
            problems,
            selection: click.selection,
            taskCount: click.request.taskIds.length,
            expiresAt: click.expiresAt,
          }),
        );
      return;
    }
    // Taken once: a second Run (double click, another tab) finds the click gone.
    const taken = await this.pending.take(id);
    if (!taken) throw gone(this.pending.config.OPTIONS_PENDING_TTL_S);
    const { jobPath } = await this.intake.enqueue(
      {
        action,
        variant: taken.variant,
        request: taken.request,
        params: taken.params,
        requestId: taken.requestId,
        ...(taken.authz ? { authz: taken.authz } : {}),
      },
      values,
      taken.defaults,
    );
    this.clearCookie(res, id);
    res.redirect(303, jobPath);
  }

  @Post(':id/cancel')
  async cancel(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.crossSite.check(req);
    const click = await this.usable(req, await this.pending.read(id));
    await this.pending.drop(id);
    this.clearCookie(res, id);
    res
      .type('html')
      .send(
        renderOptionsEndPage(
          `${titleOf(this.actionOf(click), click)}: canceled`,
          'Canceled: nothing was queued. You can close this tab.',
        ),
      );
  }

  /**
   * The parked click, if this browser may use it: it exists (not expired, not used), the form's
   * cookie is this browser's, and no other person's Kitsu session comes with the request.
   */
  private async usable(req: Request, click: PendingClick | null): Promise<PendingClick> {
    if (!click) throw gone(this.pending.config.OPTIONS_PENDING_TTL_S);
    const foreign = new ForbiddenException({
      message:
        'This options form belongs to another person or browser: only whoever clicked the action may choose its options. Run the action from Kitsu yourself.',
      rule: 'options-owner',
    });
    if (!this.pending.boundTo(click, cookieOf(req, BINDING_COOKIE))) throw foreign;
    const session = await this.auth.sessionPerson(req).catch(() => null);
    if (session && session.id.toLowerCase() !== click.request.personId) throw foreign;
    return click;
  }

  private actionOf(click: PendingClick): RegisteredAction {
    const action = this.registry.get(click.action);
    // Parked by this deployment, so the action existed; a redeploy that removed it ends the form.
    if (!action || !variantOptions(action.handler, click.variant))
      throw gone(this.pending.config.OPTIONS_PENDING_TTL_S);
    return action;
  }

  private clearCookie(res: Response, id: string): void {
    res.setHeader('Set-Cookie', bindingCookie(id, '', 0, this.config.publicUrl));
  }
}

/** The form's cookie: HttpOnly, scoped to this form's path, gone when the click expires. */
export function bindingCookie(
  id: string,
  value: string,
  maxAgeS: number,
  publicUrl: string,
): string {
  const secure = publicUrl.startsWith('https:') ? '; Secure' : '';
  return `${BINDING_COOKIE}=${value}; Path=/options/${id}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Lax${secure}`;
}

function gone(ttlS: number): HttpException {
  return new HttpException(
    {
      message: `This options form has expired or was already used (a form is kept ${Math.round(ttlS / 60)} minute(s)). Run the action again from Kitsu.`,
      rule: 'options-expired',
    },
    410,
  );
}

/**
 * What the form shows again after a refusal: what was typed; an unticked box stays unticked and
 * a multi-select keeps the values ticked (none if none was).
 */
function enteredValues(
  fields: OptionField[],
  given: Record<string, unknown>,
  defaults: OptionValues,
): Record<string, OptionValue | undefined> {
  return Object.fromEntries(
    fields.map((field) => {
      const sent = given[field.name];
      if (field.kind === 'multi-select') {
        const list: unknown[] = Array.isArray(sent) ? sent : typeof sent === 'string' ? [sent] : [];
        return [field.name, list.filter((item): item is string => typeof item === 'string')];
      }
      const last: unknown = Array.isArray(sent) ? sent[sent.length - 1] : sent;
      if (Object.hasOwn(given, field.name))
        return [field.name, typeof last === 'string' ? last : ''];
      return [field.name, field.kind === 'boolean' ? false : defaults[field.name]];
    }),
  );
}

function titleOf(action: RegisteredAction, click: PendingClick): string {
  return click.variant ? `${action.options.label}: ${click.variant}` : action.options.label;
}

/**
 * Form fields as sent (the urlencoded parser gives text, or a list for a repeated field: a
 * multi-select's ticked values; checkOptions keeps the last of a repeated single-value field).
 */
function formFields(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return {};
  return { ...(body as Record<string, unknown>) };
}

function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
