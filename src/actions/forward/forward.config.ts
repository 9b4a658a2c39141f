import { readFileSync } from 'node:fs';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { toInt } from '../../config/validate-env';
import { ENTITY_TYPES, type ActionOptionsDeclaration, type EntityType } from '../action.types';
import { parseOptionSpecs } from '../option-specs';

/** Parts of the enriched selection a forwarder may ask for; ids and names always come. */
export const FORWARD_CONTEXT = [
  'entity',
  'task_type',
  'task_status',
  'project',
  'assignees',
] as const;
export type ForwardContextPart = (typeof FORWARD_CONTEXT)[number];

/** One forwarder as written in config (FORWARDERS or FORWARDERS_FILE). */
export interface ForwarderSpec {
  name: string;
  label?: string;
  url: string;
  /** The signing secret itself, or the name of the variable holding it (`secretEnv`). */
  secret?: string;
  secretEnv?: string;
  include?: ForwardContextPart[];
  entityTypes?: EntityType[];
  timeoutMs?: number;
  /** Deliveries tried before the job fails (at most the action's attempts). */
  attempts?: number;
  /** Post the target's answer `message` as a comment on the selected tasks. */
  comment?: boolean;
  /** Option fields asked before forwarding (src/actions/option-specs.ts); sent as `options`. */
  options?: unknown[];
}

export interface Forwarder {
  name: string;
  label: string;
  url: string;
  secret: string;
  include: ForwardContextPart[];
  entityTypes: EntityType[] | null;
  timeoutMs: number;
  attempts: number;
  comment: boolean;
  /** The declared option fields; null when the forwarder asks nothing. */
  options: ActionOptionsDeclaration | null;
}

/** BullMQ attempts of the forward action: the ceiling for a forwarder's own `attempts`. */
export const FORWARD_MAX_ATTEMPTS = 5;
const MIN_SECRET_LENGTH = 16;

export class ForwardConfig {
  @IsOptional()
  @IsString()
  FORWARDERS?: string;

  @IsOptional()
  @IsString()
  FORWARDERS_FILE?: string;

  /** Default answer timeout of a delivery. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(120_000)
  FORWARD_TIMEOUT_MS = 10_000;

  /** Failed deliveries in a row after which a forwarder is reported unstable. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  FORWARD_UNSTABLE_AFTER = 3;

  /** Parsed, checked forwarders (filled by crossCheck). */
  forwarders: Forwarder[] = [];

  crossCheck(): string[] {
    const source = this.FORWARDERS !== undefined ? 'FORWARDERS' : 'FORWARDERS_FILE';
    let raw: unknown = [];
    try {
      if (this.FORWARDERS !== undefined) raw = JSON.parse(this.FORWARDERS);
      else if (this.FORWARDERS_FILE !== undefined) {
        raw = JSON.parse(readFileSync(this.FORWARDERS_FILE, 'utf8'));
      }
    } catch (error) {
      return [`${source}: not readable JSON (${(error as Error).message})`];
    }
    const list = Array.isArray(raw) ? raw : (raw as { forwarders?: unknown })?.forwarders;
    if (!Array.isArray(list)) return [`${source}: expected a JSON array of forwarders`];
    const problems: string[] = [];
    const seen = new Set<string>();
    for (const [index, item] of list.entries()) {
      const where = `${source}[${index}]`;
      const checked = this.checkOne(item as Partial<ForwarderSpec>, where, seen);
      if (typeof checked === 'string') problems.push(checked);
      else if (Array.isArray(checked)) problems.push(...checked);
      else this.forwarders.push(checked);
    }
    return problems;
  }

  /**
   * validateEnv hands every non-empty variable to this instance, so a secret kept in its own
   * variable (`secretEnv`) is read here without passing the environment around.
   */
  private variable(name: string): unknown {
    return (this as unknown as Record<string, unknown>)[name];
  }

  private checkOne(
    spec: Partial<ForwarderSpec>,
    where: string,
    seen: Set<string>,
  ): Forwarder | string | string[] {
    if (typeof spec?.name !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(spec.name)) {
      return `${where}: name must be lower-case letters, digits and dashes`;
    }
    const name = spec.name;
    const problems: string[] = [];
    if (seen.has(name)) problems.push(`${where}: forwarder "${name}" defined twice`);
    seen.add(name);
    let url: URL | null = null;
    try {
      url = new URL(String(spec.url));
    } catch {
      problems.push(`${where}: forwarder "${name}" needs an absolute http(s) url`);
    }
    if (url && url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`${where}: forwarder "${name}" url must be http or https`);
    }
    if (url && (url.username || url.password)) {
      problems.push(`${where}: forwarder "${name}" url must not carry credentials; use secret`);
    }
    const secret = typeof spec.secretEnv === 'string' ? this.variable(spec.secretEnv) : spec.secret;
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
      problems.push(
        `${where}: forwarder "${name}" needs a signing secret of at least ${MIN_SECRET_LENGTH} characters` +
          (spec.secretEnv ? ` in ${spec.secretEnv}` : ' (secret or secretEnv)'),
      );
    }
    const include = spec.include ?? [...FORWARD_CONTEXT];
    const unknownParts = Array.isArray(include)
      ? include.filter((part) => !(FORWARD_CONTEXT as readonly string[]).includes(part))
      : ['(not a list)'];
    if (unknownParts.length) {
      problems.push(
        `${where}: unknown include part(s) ${unknownParts.join(', ')} (known: ${FORWARD_CONTEXT.join(', ')})`,
      );
    }
    const types = spec.entityTypes;
    if (types !== undefined) {
      const bad = Array.isArray(types)
        ? types.filter((t) => !(ENTITY_TYPES as readonly string[]).includes(t))
        : ['(not a list)'];
      if (bad.length) problems.push(`${where}: unknown entity type(s) ${bad.join(', ')}`);
    }
    const timeoutMs = spec.timeoutMs ?? this.FORWARD_TIMEOUT_MS;
    if (!Number.isInteger(timeoutMs) || timeoutMs < 100 || timeoutMs > 120_000) {
      problems.push(`${where}: timeoutMs must be an integer from 100 to 120000`);
    }
    const attempts = spec.attempts ?? FORWARD_MAX_ATTEMPTS;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > FORWARD_MAX_ATTEMPTS) {
      problems.push(`${where}: attempts must be an integer from 1 to ${FORWARD_MAX_ATTEMPTS}`);
    }
    if (spec.comment !== undefined && typeof spec.comment !== 'boolean') {
      problems.push(`${where}: comment must be true or false`);
    }
    const options = parseOptionSpecs(spec.options);
    problems.push(...options.problems.map((reason) => `${where}: forwarder "${name}" ${reason}`));
    if (problems.length) return problems;
    return {
      name,
      label: typeof spec.label === 'string' ? spec.label : name,
      url: url!.toString(),
      secret: secret as string,
      include: include,
      entityTypes: types ?? null,
      timeoutMs,
      attempts,
      comment: spec.comment ?? false,
      options: options.declaration,
    };
  }
}
