import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import type {
  FailureExplanation,
  JobProgress,
  KitsuActionRequest,
  LiveStatus,
  RequestFormat,
} from '../actions/action.types';
import type { SelectionItem } from '../actions/selection-summary';
import { KitsuActionRequestDto } from '../intake/kitsu-request';
import type { JobOption, JobSummary, JobView, PublicJobState } from './jobs.service';

/**
 * The shapes of the job API's answers for the OpenAPI document. Each class implements the type
 * the service returns, so a field added there and forgotten here fails to compile.
 */

/** Every state the API can show: a Record, so a state BullMQ adds fails to compile here. */
const JOB_STATE_NAMES: Record<PublicJobState, true> = {
  waiting: true,
  'waiting-children': true,
  prioritized: true,
  delayed: true,
  active: true,
  completed: true,
  failed: true,
  unknown: true,
};
const JOB_STATES = Object.keys(JOB_STATE_NAMES);

const nullableDate = { type: String, format: 'date-time', nullable: true } as const;

@ApiSchema({ name: 'JobProgress' })
export class JobProgressBody implements JobProgress {
  @ApiProperty({ minimum: 0, maximum: 100 })
  percent!: number;

  @ApiPropertyOptional()
  message?: string;
}

@ApiSchema({ name: 'JobFailure', description: 'The failure told by its action' })
export class JobFailureBody implements FailureExplanation {
  @ApiProperty({ description: 'One or two sentences for a supervisor' })
  plain!: string;

  @ApiPropertyOptional({ description: 'What the action’s failure renderer shows (per action)' })
  details?: unknown;
}

@ApiSchema({ name: 'JobLiveStatus', description: 'Work going on after the job ended (renders)' })
export class JobLiveBody implements Pick<LiveStatus, 'phase' | 'label' | 'tone'> {
  @ApiProperty({ enum: ['running', 'ended'] })
  phase!: LiveStatus['phase'];

  @ApiProperty({ example: 'Rendering' })
  label!: string;

  @ApiProperty({ enum: ['success', 'warning', 'danger', 'neutral'] })
  tone!: LiveStatus['tone'];
}

class NamedRef {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;
}

class EntityRef extends NamedRef {
  @ApiProperty({ example: 'Shot' })
  type!: string;
}

@ApiSchema({ name: 'SelectedTask' })
export class SelectedTaskBody implements SelectionItem {
  @ApiProperty({ format: 'uuid' })
  taskId!: string;

  @ApiProperty({ format: 'uuid' })
  projectId!: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  episodeId!: string | null;

  @ApiProperty({ type: EntityRef })
  entity!: EntityRef;

  @ApiProperty({ type: NamedRef })
  taskType!: NamedRef;

  @ApiPropertyOptional({ type: String, nullable: true })
  sequenceName?: string | null;
}

/** The click as the job keeps it: the DTO's fields after validation, and the format it came in. */
@ApiSchema({ name: 'JobRequest' })
export class JobRequestBody extends KitsuActionRequestDto implements KitsuActionRequest {
  // Optional for Kitsu to send, always present once normalized.
  @ApiProperty({ type: String, required: true })
  declare projectId: string | null;

  @ApiProperty({ required: true })
  declare originPath: string;

  @ApiProperty({ required: true })
  declare originServer: string;

  @ApiProperty({ required: true })
  declare entityType: KitsuActionRequest['entityType'];

  @ApiProperty({ enum: ['ajax', 'form'] })
  format!: RequestFormat;
}

@ApiSchema({ name: 'JobOption', description: 'One option the job runs with (docs/options.md)' })
export class JobOptionBody implements JobOption {
  @ApiProperty({ example: 'priority' })
  name!: string;

  @ApiProperty({ example: 'Priority' })
  label!: string;

  @ApiProperty({
    description:
      'Text (text, textarea, select, date YYYY-MM-DD, frame range), a number, a yes/no, or a list of text (multi-select)',
    oneOf: [
      { type: 'string' },
      { type: 'number' },
      { type: 'boolean' },
      { type: 'array', items: { type: 'string' } },
    ],
  })
  value!: string | number | boolean | string[];

  @ApiProperty({
    required: false,
    description: "The value as the form named it, for choices: the choice's label",
    example: 'Whole project',
  })
  valueLabel?: string;
}

@ApiSchema({ name: 'Job' })
export class JobViewBody implements JobView {
  @ApiProperty({ example: 'inspect.Zk3x9QpLr2T8mV1a' })
  id!: string;

  @ApiProperty({ example: 'inspect' })
  action!: string;

  @ApiProperty({
    example: 'Inspect selection',
    description: 'The Kitsu menu entry the job came from, by its label',
  })
  title!: string;

  @ApiProperty({ enum: JOB_STATES })
  state!: PublicJobState;

  @ApiProperty({ type: JobProgressBody })
  progress!: JobProgressBody;

  @ApiProperty({ description: 'The action’s result (shape per action)', nullable: true })
  result!: unknown;

  @ApiProperty({ type: String, nullable: true })
  failedReason!: string | null;

  @ApiProperty({ type: JobFailureBody, nullable: true })
  failure!: JobFailureBody | null;

  @ApiProperty({
    type: [JobOptionBody],
    nullable: true,
    description: 'The options the job runs with, for actions that declare options; null: none',
  })
  options!: JobOption[] | null;

  @ApiProperty({ type: 'integer' })
  attempts!: number;

  @ApiProperty({ type: 'integer' })
  maxAttempts!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty(nullableDate)
  startedAt!: string | null;

  @ApiProperty(nullableDate)
  finishedAt!: string | null;

  @ApiProperty({ description: 'Follows the click into the logs' })
  requestId!: string;

  @ApiProperty({ type: JobRequestBody })
  request!: JobRequestBody;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Query parameters of the action URL, credentials removed',
  })
  params!: Record<string, string>;

  @ApiProperty({ type: String, isArray: true })
  logs!: string[];

  @ApiProperty({ type: SelectedTaskBody, isArray: true, nullable: true })
  selection!: SelectedTaskBody[] | null;

  @ApiProperty({
    type: String,
    isArray: true,
    nullable: true,
    description: 'Entity types of the selected tasks as Zou says; null when unknown',
  })
  entityTypes!: string[] | null;

  @ApiProperty({ type: JobLiveBody, nullable: true })
  live!: JobLiveBody | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The job this one follows up (a render’s tracking)',
  })
  followsUp!: string | null;
}

@ApiSchema({ name: 'JobSummary', description: 'A line of the job list' })
export class JobSummaryBody implements JobSummary {
  @ApiProperty()
  id!: string;

  @ApiProperty()
  action!: string;

  @ApiProperty({ enum: JOB_STATES })
  state!: PublicJobState;

  @ApiProperty({ format: 'uuid' })
  personId!: string;

  @ApiProperty()
  personEmail!: string;

  @ApiProperty({ type: 'integer' })
  taskCount!: number;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty(nullableDate)
  finishedAt!: string | null;

  @ApiProperty({ type: JobLiveBody, nullable: true })
  live!: JobLiveBody | null;
}

/**
 * What forward's job-list notice adds (its `jobListNotice` hook); described here without importing
 * the forward room, which stays closed.
 */
@ApiSchema({ name: 'ForwarderState' })
export class ForwarderStateBody {
  @ApiProperty()
  name!: string;

  @ApiProperty({ type: 'integer', description: 'Failed deliveries in a row' })
  failuresInARow!: number;

  @ApiProperty({ description: 'FORWARD_UNSTABLE_AFTER failed deliveries in a row' })
  unstable!: boolean;

  @ApiProperty({ type: String, nullable: true })
  lastError!: string | null;

  @ApiProperty(nullableDate)
  lastFailureAt!: string | null;
}

@ApiSchema({ name: 'JobList' })
export class JobListBody {
  @ApiProperty({ type: JobSummaryBody, isArray: true, description: 'Newest first' })
  jobs!: JobSummaryBody[];

  @ApiProperty({
    type: ForwarderStateBody,
    isArray: true,
    description: 'Forwarders that keep failing, flagged where people look for their jobs',
  })
  unstableForwarders!: ForwarderStateBody[];
}

@ApiSchema({ name: 'RetryAccepted' })
export class RetryAcceptedBody {
  @ApiProperty()
  jobId!: string;

  @ApiProperty({ enum: ['waiting'] })
  status!: string;

  @ApiProperty({ description: 'The job page (with the view token the retry was allowed by)' })
  statusUrl!: string;
}
