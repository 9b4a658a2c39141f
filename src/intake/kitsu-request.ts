import { ApiProperty } from '@nestjs/swagger';
import { plainToInstance } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsEmail,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  validateSync,
  type ValidationError,
} from 'class-validator';
import {
  ENTITY_TYPES,
  type EntityType,
  type KitsuActionRequest,
  type RequestFormat,
} from '../actions/action.types';
import { redactSecretQuery } from '../http/redact';

/** One problem with one field, named as the caller sent it. */
export interface FieldProblem {
  field: string;
  reason: string;
}

export class KitsuRequestError extends Error {
  constructor(
    readonly problems: FieldProblem[],
    readonly status = 400,
  ) {
    super(problems.map((p) => `${p.field}: ${p.reason}`).join('; '));
    this.name = 'KitsuRequestError';
  }
}

/**
 * Kitsu's two name sets for the same facts: AJAX posts send the first, form posts the second,
 * and scripts written from Kitsu's docs send the form names as JSON. Either set is accepted
 * in either encoding.
 */
export const FIELD_NAMES = {
  personId: ['userid', 'personid'],
  personEmail: ['useremail', 'personemail'],
  projectId: ['productionid', 'projectid'],
  originPath: ['originurl', 'currentpath'],
  originServer: ['originserver', 'currentserver'],
  taskIds: ['selection'],
  entityType: ['entitytype'],
} as const satisfies Record<string, readonly string[]>;

export type KitsuField = keyof typeof FIELD_NAMES;
type Property = KitsuField;

/**
 * The normalized request as class-validator sees it. The @ApiProperty lines describe each field
 * once for the OpenAPI document, which names it as Kitsu sends it (intake.openapi.ts); `required`
 * there is whether Kitsu must send it (absent ones default before validation).
 */
export class KitsuActionRequestDto {
  @ApiProperty({
    description: 'Kitsu person id of whoever clicked',
    format: 'uuid',
    example: '5f1b4a4e-9a43-4b0f-9d6b-0b1d2c3e4f50',
  })
  @IsUUID('all', { message: 'must be a UUID (the Kitsu person id)' })
  personId!: string;

  @ApiProperty({
    description: 'Email of whoever clicked',
    format: 'email',
    maxLength: 320,
    example: 'lea@studio.example',
  })
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(320)
  personEmail!: string;

  @ApiProperty({
    description: 'Project of the first selected task; null on pages spanning projects',
    type: String,
    format: 'uuid',
    nullable: true,
    required: false,
    example: '0b7a4c22-3c6f-4d6e-8c51-2a3b4c5d6e7f',
  })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID (the Kitsu project id) or empty' })
  projectId!: string | null;

  @ApiProperty({
    description: 'Path of the Kitsu page the click came from (credentials in it are removed)',
    maxLength: 2000,
    required: false,
    example: '/productions/0b7a4c22-3c6f-4d6e-8c51-2a3b4c5d6e7f/shots/tasks',
  })
  @IsString({ message: 'must be a string' })
  @MaxLength(2000, { message: 'must be at most 2000 characters' })
  originPath!: string;

  @ApiProperty({
    description: 'Kitsu host (and port) as the browser saw it',
    maxLength: 255,
    required: false,
    example: 'kitsu.studio.example',
  })
  @IsString({ message: 'must be a string' })
  @MaxLength(255, { message: 'must be at most 255 characters' })
  originServer!: string;

  @ApiProperty({
    description:
      'Selected TASK ids (never entity ids), at most MAX_SELECTION; duplicates are folded',
    type: String,
    isArray: true,
    format: 'uuid',
    minItems: 1,
    example: ['1d2f7c55-4c3b-4a2e-9f10-aa11bb22cc33'],
  })
  @IsArray({ message: 'must be a list of task ids' })
  @ArrayMinSize(1, { message: 'must hold at least one task id' })
  @ArrayMaxSize(Number.MAX_SAFE_INTEGER)
  @IsUUID('all', { each: true, message: 'must hold only task UUIDs' })
  taskIds!: string[];

  @ApiProperty({
    description: 'Kitsu’s guess from the page (episode on My tasks); the tasks are the truth',
    enum: ENTITY_TYPES,
    nullable: true,
    required: false,
    example: 'shot',
  })
  @IsOptional()
  @IsIn(ENTITY_TYPES, { message: `must be one of ${ENTITY_TYPES.join(', ')}` })
  entityType!: EntityType | null;
}

export interface ParseOptions {
  maxSelection: number;
  format: RequestFormat;
}

/**
 * Turns a parsed JSON or form body into one validated KitsuActionRequest.
 * Throws KitsuRequestError naming each bad field as the caller spelled it.
 */
export function parseKitsuRequest(body: unknown, options: ParseOptions): KitsuActionRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new KitsuRequestError([{ field: 'body', reason: 'must be a JSON object or a form' }]);
  }
  const source = body as Record<string, unknown>;
  const { problems, sentAs, plain, refused } = gatherFields(source);

  plain.originPath ??= '';
  plain.originServer ??= '';
  if (plain.projectId === undefined) plain.projectId = null;
  if (plain.entityType === undefined) plain.entityType = null;

  let dto: KitsuActionRequestDto;
  if (problems.length === 0 && plainlyValid(plain)) {
    dto = plain as KitsuActionRequestDto;
  } else {
    // class-transformer walks nested objects and trips on own keys such as `constructor`; no
    // field holds an object, so objects are refused here and never reach it.
    for (const property of Object.keys(plain) as Property[]) {
      const value = plain[property];
      const items = Array.isArray(value) ? value : [value];
      if (items.some((item) => typeof item === 'object' && item !== null)) {
        problems.push({
          field: sentAs[property] ?? property,
          reason: property === 'taskIds' ? 'must be a list of task ids' : 'must be a string',
        });
        delete plain[property];
      }
    }
    dto = plainToInstance(KitsuActionRequestDto, plain);
    const errors = validateSync(dto, { forbidUnknownValues: false });
    problems.push(
      ...errors
        .filter((error) => !refused.has(error.property))
        .flatMap((error) => describe(error, sentAs)),
    );
  }

  if (Array.isArray(dto.taskIds) && dto.taskIds.length > options.maxSelection) {
    problems.push({
      field: sentAs.taskIds ?? 'selection',
      reason: `holds ${dto.taskIds.length} tasks; at most ${options.maxSelection} are accepted`,
    });
  }
  if (problems.length > 0) throw new KitsuRequestError(problems);

  return {
    personId: dto.personId.toLowerCase(),
    personEmail: dto.personEmail,
    projectId: dto.projectId ? dto.projectId.toLowerCase() : null,
    originPath: dto.originPath,
    originServer: dto.originServer,
    taskIds: dto.taskIds, // lower-cased and folded already (normalizeSelection)
    entityType: dto.entityType,
    format: options.format,
  };
}

/**
 * Each property under whichever of Kitsu's names the caller used, normalized; lone surrogates
 * and a property sent twice with different values are refused here.
 */
function gatherFields(source: Record<string, unknown>): {
  problems: FieldProblem[];
  sentAs: Partial<Record<Property, string>>;
  plain: Partial<Record<Property, unknown>>;
  refused: Set<string>;
} {
  const problems: FieldProblem[] = [];
  const sentAs: Partial<Record<Property, string>> = {};
  const plain: Partial<Record<Property, unknown>> = {};
  /** Fields already refused before validation, so class-validator does not add "is required". */
  const refused = new Set<string>();

  for (const property of PROPERTIES) {
    const present = presentNames(source, FIELD_NAMES[property]);
    if (present === null) continue;
    // validator.js throws a URIError on a lone surrogate (JSON's "\ud800"): refused here first.
    const broken = present.find((name) => hasLoneSurrogate(source[name]));
    if (broken) {
      problems.push({ field: broken, reason: 'is not valid Unicode text (a lone surrogate)' });
      refused.add(property);
      continue;
    }
    const value = normalizeValue(property, source[present[0]]);
    if (present.length > 1) {
      const values = present.map((name) => normalizeValue(property, source[name]));
      if (values.some((v) => JSON.stringify(v) !== JSON.stringify(value))) {
        problems.push({
          field: present.join('/'),
          reason: 'both of Kitsu’s field names were sent with different values',
        });
        continue;
      }
    }
    sentAs[property] = present[0];
    plain[property] = value;
  }
  return { problems, sentAs, plain, refused };
}

const PROPERTIES = Object.keys(FIELD_NAMES) as Property[];

/**
 * Which of a property's names the body holds, in FIELD_NAMES order, or null for none. Without
 * filter's array for every property of every click: most names are absent or sent once.
 */
function presentNames(
  source: Record<string, unknown>,
  names: readonly string[],
): readonly string[] | null {
  let found: string[] | null = null;
  for (const name of names) {
    if (!Object.hasOwn(source, name)) continue;
    if (found === null) found = [name];
    else found.push(name);
  }
  return found;
}

/** The canonical RFC 4122 form, a strict subset of what IsUUID('all') accepts. */
const PLAIN_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** Dot-atom local part and LDH labels with a letter TLD: a strict subset of IsEmail(). */
const PLAIN_EMAIL =
  /^[a-z0-9_+-]{1,64}(?:\.[a-z0-9_+-]{1,64})*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

/**
 * The common case, a well-formed click, checked without class-validator's per-request metadata
 * walk (the larger part of intake's validation cost). It only says yes to what the DTO's rules
 * surely accept, so every other body, odd but valid ones too, still goes through class-validator,
 * which decides and words the errors. kitsu-request.spec.ts holds the two to that.
 */
export function plainlyValid(plain: Partial<Record<Property, unknown>>): boolean {
  const { personId, personEmail, projectId, originPath, originServer, taskIds, entityType } = plain;
  return (
    typeof personId === 'string' &&
    PLAIN_UUID.test(personId) &&
    typeof personEmail === 'string' &&
    personEmail.length <= 254 &&
    PLAIN_EMAIL.test(personEmail) &&
    personEmail.split('@')[0].length <= 64 &&
    (projectId === null || (typeof projectId === 'string' && PLAIN_UUID.test(projectId))) &&
    typeof originPath === 'string' &&
    originPath.length <= 2000 &&
    typeof originServer === 'string' &&
    originServer.length <= 255 &&
    Array.isArray(taskIds) &&
    taskIds.length > 0 &&
    taskIds.every((id) => typeof id === 'string' && PLAIN_UUID.test(id)) &&
    (entityType === null || (ENTITY_TYPES as readonly unknown[]).includes(entityType))
  );
}

/** A string (or list of strings) holding half of a UTF-16 surrogate pair on its own. */
function hasLoneSurrogate(value: unknown): boolean {
  const items: unknown[] = Array.isArray(value) ? value : [value];
  return items.some((item) => typeof item === 'string' && LONE_SURROGATE.test(item));
}

/** With the u flag a well-formed pair is one code point, so only a lone half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

function normalizeValue(property: Property, value: unknown): unknown {
  if (property === 'taskIds') return normalizeSelection(value);
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (property === 'projectId' && trimmed === '') return null;
  if (property === 'entityType') return trimmed === '' ? null : trimmed.toLowerCase();
  // A page URL may carry a credential (?key=...); jobs never store one.
  if (property === 'originPath') return redactSecretQuery(trimmed);
  return trimmed;
}

/** A list, or one comma-joined string (form mode), to a list of unique ids in order. */
function normalizeSelection(value: unknown): unknown {
  const out: unknown[] = [];
  const seen = new Set<string>();
  if (typeof value === 'string') {
    for (const part of value.split(',')) addId(part, out, seen);
  } else if (Array.isArray(value)) {
    // A form with repeated `selection` fields, or a list of comma-joined strings.
    for (const item of value as unknown[]) {
      if (typeof item !== 'string') out.push(item);
      // Kitsu's AJAX list holds one id per item: split only what holds a comma.
      else if (!item.includes(',')) addId(item, out, seen);
      else for (const part of item.split(',')) addId(part, out, seen);
    }
  } else return value;
  return out;
}

/** Adds one id, trimmed and lower-cased, unless it is empty or already there. */
function addId(raw: string, out: unknown[], seen: Set<string>): void {
  const id = raw.trim().toLowerCase();
  if (id === '' || seen.has(id)) return;
  seen.add(id);
  out.push(id);
}

function describe(
  error: ValidationError,
  sentAs: Partial<Record<Property, string>>,
): FieldProblem[] {
  const property = error.property as Property;
  const field = sentAs[property] ?? FIELD_NAMES[property]?.join(' or ') ?? property;
  const reasons = Object.values(error.constraints ?? {});
  const missing = error.value === undefined;
  return [{ field, reason: missing ? 'is required' : reasons.join('; ') }];
}
