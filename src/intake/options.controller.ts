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
import {
  choiceLabelOf,
  emptyValueText,
  formText,
  lastStepOf,
  listLiveChoices,
  optionFieldsOf,
  type LiveChoiceLists,
  type OptionField,
  type OptionProblem,
} from '../actions/option-fields';
import { menuLabelOf } from '../actions/menu-entries';
import { variantOptions } from '../actions/variant-options';
import { CallerAuth } from '../auth/caller-auth.service';
import { AppConfig } from '../config/app.config';
import { CrossSiteGuard } from '../edge/cross-site';
import { ActionIntake } from './action-intake.service';
import { renderOptionsEndPage, renderOptionsPage, type OptionsPageInput } from './options-page';
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
    await this.intake.limitAddress(req.ip);
    const click = await this.usable(req, await this.pending.read(id));
    const action = this.actionOf(click);
    const values = { ...click.defaults, ...click.chosen };
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(renderOptionsPage(await this.pageOf(id, action, click, values, [])));
  }

  /**
   * Next (a step before the last): valid values of the step are kept server-side and the form
   * moves on (303 back to it). Run (the last step): every step's values checked again, the
   * person's authorization judged again, the job queued (303 to its page). Refused values come
   * back on the form with their reasons (422).
   */
  @Post(':id')
  async submit(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.crossSite.check(req);
    await this.intake.limitAddress(req.ip);
    const click = await this.usable(req, await this.pending.read(id));
    const action = this.actionOf(click);
    const fields = optionFieldsOf(variantOptions(action.handler, click.variant)!.schema);
    const step = click.step ?? 1;
    // Only the step's own fields are read from the form: earlier ones are kept server-side.
    const otherSteps = new Set(fields.filter((f) => stepOf(f) !== step).map((f) => f.name));
    const given = Object.fromEntries(
      Object.entries(formFields(req.body)).filter(([name]) => !otherSteps.has(name)),
    );
    const { values, problems, live, liveLabels } = await this.intake.checkWithLiveChoices(
      action,
      click.variant,
      this.intake.selectionOf(click),
      { ...click.chosen, ...given },
      click.defaults,
      'form',
    );
    const later = new Set(fields.filter((f) => stepOf(f) > step).map((f) => f.name));
    const refused = problems.filter((problem) => !later.has(problem.field));
    res.setHeader('Cache-Control', 'no-store');
    if (refused.length) {
      const entered = { ...click.defaults, ...click.chosen, ...enteredValues(fields, given) };
      const page = await this.pageOf(id, action, click, entered, refused);
      res.status(422).type('html').send(renderOptionsPage(page));
      return;
    }
    if (step < lastStepOf(fields) && !nothingLeftToChoose(fields, step, live)) {
      const chosen: OptionValues = Object.fromEntries(
        fields.filter((f) => stepOf(f) <= step).map((f) => [f.name, values[f.name]]),
      );
      if (!(await this.pending.advance(id, step + 1, chosen))) {
        throw gone(this.pending.config.OPTIONS_PENDING_TTL_S);
      }
      res.redirect(303, `/options/${encodeURIComponent(id)}`);
      return;
    }
    const jobPath = await this.run(id, action, click, values, liveLabels);
    this.clearCookie(res, id);
    res.redirect(303, jobPath);
  }

  /** The last step passed: authorization again, then the click taken once and queued. */
  private async run(
    id: string,
    action: RegisteredAction,
    click: PendingClick,
    values: OptionValues,
    liveLabels: Record<string, string>,
  ): Promise<string> {
    const admitted = {
      action,
      variant: click.variant,
      request: click.request,
      params: click.params,
      requestId: click.requestId,
    };
    // The role may have changed in Kitsu since the click: judged again, the intake's 403 if so.
    const authz = await this.intake.reauthorize(admitted).catch(async (error: unknown) => {
      await this.pending.drop(id);
      throw error;
    });
    // Taken once: a second Run (double click, another tab) finds the click gone.
    const taken = await this.pending.take(id);
    if (!taken) throw gone(this.pending.config.OPTIONS_PENDING_TTL_S);
    const { jobPath } = await this.intake.enqueue(
      { ...admitted, authz },
      { values, defaults: taken.defaults, liveLabels },
    );
    return jobPath;
  }

  /** The form at the click's step: its fields, the earlier steps' values, the live lists. */
  private async pageOf(
    id: string,
    action: RegisteredAction,
    click: PendingClick,
    values: Record<string, OptionValue | string | undefined>,
    problems: OptionProblem[],
  ): Promise<OptionsPageInput> {
    const declared = variantOptions(action.handler, click.variant)!;
    const fields = optionFieldsOf(declared.schema);
    const step = click.step ?? 1;
    const upTo = fields.filter((f) => stepOf(f) <= step);
    const live = await listLiveChoices(
      declared,
      { selection: this.intake.selectionOf(click), values: { ...click.defaults, ...click.chosen } },
      new Set(upTo.map((f) => f.name)),
    );
    const kept = upTo
      .filter((f) => stepOf(f) < step)
      .map((f) => ({
        name: f.name,
        label: f.label,
        value: keptText(f, click.chosen?.[f.name], live),
      }));
    return {
      pendingId: id,
      title: titleOf(action, click),
      fields: fields.filter((f) => stepOf(f) === step),
      values,
      problems,
      selection: click.selection,
      taskCount: click.request.taskIds.length,
      expiresAt: click.expiresAt,
      step: { current: step, last: lastStepOf(fields) },
      kept,
      live,
    };
  }

  /**
   * Back (a step after the first): the form returns to the step before, showing the values kept
   * for it; what this step's fields held is not kept, since its choices may depend on them.
   */
  @Post(':id/back')
  async back(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.crossSite.check(req);
    await this.intake.limitAddress(req.ip);
    const click = await this.usable(req, await this.pending.read(id));
    this.actionOf(click);
    const step = click.step ?? 1;
    if (step > 1 && !(await this.pending.advance(id, step - 1, click.chosen ?? {}))) {
      throw gone(this.pending.config.OPTIONS_PENDING_TTL_S);
    }
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, `/options/${encodeURIComponent(id)}`);
  }

  @Post(':id/cancel')
  async cancel(@Param('id') id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    this.crossSite.check(req);
    await this.intake.limitAddress(req.ip);
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
): Record<string, OptionValue | string> {
  const entered: Record<string, OptionValue | string> = {};
  for (const field of fields) {
    const sent = given[field.name];
    if (field.kind === 'multi-select') {
      const list: unknown[] = Array.isArray(sent) ? sent : typeof sent === 'string' ? [sent] : [];
      entered[field.name] = list.filter((item): item is string => typeof item === 'string');
    } else if (Object.hasOwn(given, field.name)) {
      // A single-value field posted twice keeps the last, as checkOptions reads it.
      const last: unknown = Array.isArray(sent) ? sent[sent.length - 1] : sent;
      entered[field.name] = typeof last === 'string' ? last : '';
    } else if (field.kind === 'boolean') entered[field.name] = false;
  }
  return entered;
}

/**
 * Whether every field after `step` is a live select whose list (as just listed with this step's
 * values) is empty: the farm default chosen leaves no pool to pick, so Next runs the form rather
 * than show a step with nothing to choose.
 */
function nothingLeftToChoose(fields: OptionField[], step: number, live: LiveChoiceLists): boolean {
  const later = fields.filter((f) => stepOf(f) > step);
  return later.every(
    (f) => f.live && f.emptyLabel && !live[f.name]?.unavailable && !live[f.name]?.choices.length,
  );
}

function stepOf(field: OptionField): number {
  return field.step ?? 1;
}

/** An earlier step's value as it was chosen: a live choice by its label. */
function keptText(
  field: OptionField,
  value: OptionValue | undefined,
  live: LiveChoiceLists,
): string {
  if (value === '' && emptyValueText(field)) return emptyValueText(field)!;
  const listed = live[field.name]?.choices.find((choice) => choice.value === value);
  if (listed) return listed.label;
  return typeof value === 'string' ? choiceLabelOf(field, value) : formText(value);
}

/** The form's title: the name the person clicked in Kitsu's menu. */
export function titleOf(
  action: RegisteredAction,
  click: Pick<PendingClick, 'variant' | 'params'>,
): string {
  return menuLabelOf(action, click.variant, click.params);
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
