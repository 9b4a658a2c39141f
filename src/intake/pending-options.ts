import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import type { KitsuActionRequest, OptionValues } from '../actions/action.types';
import type { SelectionItem } from '../actions/selection-summary';
import type { AuthzDecision } from '../auth/authz.service';
import { AppConfig } from '../config/app.config';
import { toInt } from '../config/validate-env';
import { ProducerConnection } from '../queues/producer-connection';

/** Option forms: how long a click waits for its options. */
export class OptionsConfig {
  /** Seconds an option form stays valid after the click (then the click must be made again). */
  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(86_400)
  OPTIONS_PENDING_TTL_S = 900;
}

/**
 * A click that authenticated and passed authorization, waiting for its options. Everything that
 * decides who acts on what is here, server-side: the form carries only the pending id.
 */
export interface PendingClick {
  action: string;
  variant: string;
  request: KitsuActionRequest;
  params: Record<string, string>;
  requestId: string;
  authz?: AuthzDecision;
  defaults: OptionValues;
  /** Names of the selected tasks for the form (at most MAX_SELECTION_ITEMS). */
  selection: SelectionItem[];
  /** sha256 of the browser binding held in the form's cookie. */
  binding: string;
  expiresAt: string;
  /** The step the form is at, in a form of several steps (1 when absent). */
  step?: number;
  /** The values of the steps already passed, checked; kept here, never in the form. */
  chosen?: OptionValues;
}

/** An unguessable id: 144 random bits, URL-safe. */
const PENDING_ID = /^[A-Za-z0-9_-]{24}$/;

export function isPendingId(value: string): boolean {
  return PENDING_ID.test(value);
}

/** The cookie holding a form's browser binding, scoped to that form's path. */
export const BINDING_COOKIE = 'ka_options';

/**
 * Pending clicks in Redis, one key each with the configured expiry, so any API replica can show
 * and accept the form. A click is taken (GETDEL) exactly once: a second submission finds nothing.
 */
@Injectable()
export class PendingOptions {
  private readonly prefix: string;

  constructor(
    private readonly producer: ProducerConnection,
    app: AppConfig,
    readonly config: OptionsConfig,
  ) {
    this.prefix = `${app.QUEUE_PREFIX}:options`;
  }

  /** Stores the click; answers its id and the browser binding to set as a cookie. */
  async park(
    click: Omit<PendingClick, 'binding' | 'expiresAt'>,
  ): Promise<{ id: string; binding: string; ttlS: number }> {
    const id = randomBytes(18).toString('base64url');
    const binding = randomBytes(24).toString('base64url');
    const ttlS = this.config.OPTIONS_PENDING_TTL_S;
    const stored: PendingClick = {
      ...click,
      binding: digest(binding),
      expiresAt: new Date(Date.now() + ttlS * 1000).toISOString(),
    };
    await this.producer.client.set(this.key(id), JSON.stringify(stored), 'EX', ttlS);
    return { id, binding, ttlS };
  }

  async read(id: string): Promise<PendingClick | null> {
    if (!isPendingId(id)) return null;
    return parse(await this.producer.client.get(this.key(id)));
  }

  /** Removes and answers the click; null when it expired or was already taken. */
  async take(id: string): Promise<PendingClick | null> {
    if (!isPendingId(id)) return null;
    return parse(await this.producer.client.getdel(this.key(id)));
  }

  /**
   * Moves a parked click to another step (Next, Back) with the values chosen so far, keeping its
   * expiry; false when it expired or was taken meanwhile (SET ... XX KEEPTTL writes only a key
   * that exists).
   */
  async advance(id: string, step: number, chosen: OptionValues): Promise<boolean> {
    const click = await this.read(id);
    if (!click) return false;
    const stored: PendingClick = { ...click, step, chosen };
    const written = await this.producer.client.set(
      this.key(id),
      JSON.stringify(stored),
      'KEEPTTL',
      'XX',
    );
    return written === 'OK';
  }

  async drop(id: string): Promise<void> {
    if (isPendingId(id)) await this.producer.client.del(this.key(id));
  }

  /** True when the browser's cookie is the one the form was handed to. */
  boundTo(click: PendingClick, given: string | undefined): boolean {
    if (!given) return false;
    const expected = Buffer.from(click.binding);
    const actual = Buffer.from(digest(given));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private key(id: string): string {
    return `${this.prefix}:${id}`;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function parse(raw: string | null): PendingClick | null {
  if (!raw) return null;
  try {
    return JSON.parse(raw) as PendingClick;
  } catch {
    return null;
  }
}
