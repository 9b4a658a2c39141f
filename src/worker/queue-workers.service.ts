import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { storedOptionsRefusal } from '../actions/option-fields';
import { variantOptions } from '../actions/variant-options';
import { ActionRegistry } from '../actions/action-registry.service';
import type {
  ActionContext,
  ActionJobBase,
  ActionName,
  JobOf,
  JobOutcome,
  RegisteredAction,
} from '../actions/action.types';
import { AppConfig } from '../config/app.config';
import { ConfigError } from '../config/validate-env';
import { isQueueName, type QueueName } from '../queues/queues';
import { ProducerConnection } from '../queues/producer-connection';
import { createRedisConnection, type RedisClient } from '../queues/redis-connection';
import { RedisConfig } from '../queues/redis.config';
import { logNonOutageErrors } from '../queues/redis-outage';
import { jobLogFields, logJobLine } from '../logging/job-log';
import { WorkerMetrics } from '../metrics/worker-metrics.service';
import { JOB_OUTCOME_STEP, type JobOutcomeStep } from './job-outcome';
import { DEFAULT_CONCURRENCY, WorkerConfig } from './worker.config';

/**
 * Runs the queues named in WORKERS in this process. Each job is handed to the action that
 * registered its name; a handler's error is rethrown so BullMQ records the failure and retries
 * transient faults (UnrecoverableError fails at once).
 */
@Injectable()
export class QueueWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Worker');
  private readonly workers: Worker[] = [];
  private readonly connections: RedisClient[] = [];

  constructor(
    private readonly config: AppConfig,
    private readonly registry: ActionRegistry,
    private readonly producer: ProducerConnection,
    private readonly redisConfig: RedisConfig,
    private readonly workerConfig: WorkerConfig,
    @Optional()
    @Inject(JOB_OUTCOME_STEP)
    private readonly outcomes: JobOutcomeStep | null = null,
    // Explicit token: a `| null` type is emitted as Object in the constructor's metadata.
    @Optional() @Inject(WorkerMetrics) private readonly metrics: WorkerMetrics | null = null,
  ) {}

  /** Queues this process consumes, checked against the registered actions. */
  selectedQueues(): QueueName[] {
    const inUse = this.registry.queuesInUse();
    const asked = this.config.WORKERS;
    if (asked.includes('all')) return inUse;
    const problems: string[] = [];
    for (const name of asked) {
      if (!isQueueName(name)) problems.push(`WORKERS: unknown queue "${name}"`);
      else if (!inUse.includes(name))
        problems.push(`WORKERS: queue "${name}" has no action handler`);
    }
    if (problems.length) throw new ConfigError(problems);
    return asked as QueueName[];
  }

  onApplicationBootstrap(): void {
    let queues: QueueName[];
    try {
      queues = this.selectedQueues();
    } catch (error) {
      // NestFactory.createApplicationContext runs init itself and drops the context when a hook
      // throws, so no shutdown hook would ever close the producer connection: close it here.
      this.producer.client.disconnect();
      throw error;
    }
    for (const queue of queues) this.start(queue);
    this.logger.log(`Consuming queues: ${this.queueNames().join(', ') || '(none)'}`);
  }

  queueNames(): string[] {
    return this.workers.map((w) => w.name);
  }

  private start(queue: QueueName): void {
    const connection = createRedisConnection(this.config, 'worker', this.redisConfig);
    this.connections.push(connection);
    const perSecond = this.workerConfig.rateLimitFor(queue);
    const worker = new Worker(queue, (job: Job<ActionJobBase>) => this.process(job), {
      connection,
      prefix: this.config.QUEUE_PREFIX,
      concurrency: this.workerConfig.concurrencyFor(queue, DEFAULT_CONCURRENCY[queue] ?? 4),
      lockDuration: this.workerConfig.WORKER_LOCK_DURATION_MS,
      stalledInterval: this.workerConfig.WORKER_STALLED_INTERVAL_MS,
      maxStalledCount: 2,
      ...(perSecond > 0 ? { limiter: { max: perSecond, duration: 1000 } } : {}),
    });
    worker.on('failed', (job, error) => {
      if (!job) return;
      this.logger.warn({
        ...jobLogFields(job),
        attempt: job.attemptsMade,
        msg: `${queue}.${job.id} ${job.name} failed (attempt ${job.attemptsMade}): ${error.message}`,
      });
      const final =
        error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      this.metrics?.observe(job, final ? 'failed' : 'retrying');
      if (final) this.failedOutsideRun(job, error);
    });
    worker.on('completed', (job) => this.metrics?.observe(job, 'completed'));
    logNonOutageErrors(worker, this.logger, `${queue} worker`);
    this.workers.push(worker);
  }

  /**
   * A job BullMQ failed without running it (stalled too often): its outcome step never ran, so
   * it is written here, once, by the worker that saw the failure. A job whose run recorded an
   * outcome has written (or is retrying) its own.
   */
  private failedOutsideRun(job: Job<ActionJobBase>, error: Error): void {
    const step = this.outcomes;
    if (!step || job.data.outcome || this.ranHere.has(job)) return;
    const outcome: JobOutcome = { state: 'failed', reason: error.message || 'no reason recorded' };
    if (!step.wants(job, outcome)) return;
    const pending = step
      .write(job, outcome, false)
      .catch((failure: unknown) =>
        this.logger.warn({ ...jobLogFields(job), msg: `outcome step: ${String(failure)}` }),
      );
    // Shutdown waits for these so a comment in flight is not cut off.
    this.pendingOutcomes.add(pending);
    void pending.finally(() => this.pendingOutcomes.delete(pending));
  }

  private readonly pendingOutcomes = new Set<Promise<unknown>>();
  /** Jobs whose run decided their outcome (so the failed event has nothing left to write). */
  private readonly ranHere = new WeakSet<Job<ActionJobBase>>();

  private async process(job: Job<ActionJobBase>): Promise<unknown> {
    const action = this.registry.get(job.name);
    if (!action) throw new UnrecoverableError(`No handler for action "${job.name}" in this worker`);
    const context: ActionContext = {
      progress: (percent, message) =>
        job.updateProgress({
          percent: Math.max(0, Math.min(100, Math.round(percent))),
          ...(message ? { message } : {}),
        }),
      log: async (line) => {
        await job.log(line);
      },
    };
    logJobLine(
      this.logger,
      'Worker',
      { ...jobLogFields(job), attempt: job.attemptsMade + 1 },
      `${job.queueName}.${job.id} ${job.name} started`,
    );
    const recorded = job.data.outcome;
    if (recorded)
      await context.log('Work already done by an earlier run: writing its outcome to Kitsu');
    const run = recorded ? { outcome: recorded } : await this.work(action, job, context);
    this.ranHere.add(job);
    const step = this.outcomes;
    if (step?.wants(job, run.outcome)) {
      // Recorded before anything is written: a run killed while writing leaves the job active,
      // and the next run skips the work and finishes the writing.
      if (!recorded) await job.updateData({ ...job.data, outcome: run.outcome });
      await this.writeOutcome(step, job, run.outcome, Boolean(recorded));
    }
    if (run.outcome.state === 'completed') return run.outcome.result;
    throw run.error ?? new UnrecoverableError(run.outcome.reason);
  }

  /** The action's work: its result, or a failure that no attempt is left to fix. */
  private async work(
    action: RegisteredAction,
    job: Job<ActionJobBase>,
    context: ActionContext,
  ): Promise<{ outcome: JobOutcome; error?: Error }> {
    try {
      // Options are checked again here, whoever wrote the job: a bad value never reaches the work.
      const declared = variantOptions(action.handler, job.data.variant);
      const refusal = storedOptionsRefusal(declared?.schema, job.data.options);
      if (refusal) throw new UnrecoverableError(refusal);
      const result = await action.handler.handle(job as unknown as JobOf<ActionName>, context);
      return { outcome: { state: 'completed', result } };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      // A failure that will be retried is not an outcome yet.
      if (!isFinalFailure(job, failure)) throw failure;
      const reason = failure.message || 'no reason recorded';
      return { outcome: { state: 'failed', reason }, error: failure };
    }
  }

  /**
   * A transient write error retries the job while it has attempts left (the work is not run
   * again); on its last attempt the outcome stands and the error is only logged, so a comment
   * never turns a finished job into a failed one or hides the real failure reason.
   */
  private async writeOutcome(
    step: JobOutcomeStep,
    job: Job<ActionJobBase>,
    outcome: JobOutcome,
    resumed: boolean,
  ): Promise<void> {
    try {
      await step.write(job, outcome, resumed);
    } catch (error) {
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw error;
      this.logger.warn({
        ...jobLogFields(job),
        msg: `outcome not fully written, no attempt left: ${String(error)}`,
      });
    }
  }

  /**
   * SIGTERM: stop taking jobs and let active ones finish within the grace period. Past it, the
   * workers are closed hard and their jobs are picked up again by stalled-job recovery.
   */
  async beforeApplicationShutdown(): Promise<void> {
    const grace = this.workerConfig.WORKER_SHUTDOWN_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const graceful = Promise.all(this.workers.map((w) => w.close())).then(() => true);
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), grace);
    });
    const finished = await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    if (!finished) {
      this.logger.warn(
        `Active jobs did not end within ${grace} ms; leaving them to stalled recovery`,
      );
      await Promise.all(this.workers.map((w) => w.close(true)));
    }
    await Promise.race([
      Promise.allSettled([...this.pendingOutcomes]),
      new Promise((resolve) => setTimeout(resolve, Math.min(grace, 5000)).unref()),
    ]);
    for (const connection of this.connections) connection.disconnect();
  }
}

/** UnrecoverableError, or the last attempt: BullMQ will leave the job failed. */
function isFinalFailure(job: Job, error: Error): boolean {
  if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  // BullMQ's own signals (delay, wait for children, rate limit) are not failures.
  if (/^(DelayedError|WaitingError|WaitingChildrenError)$/.test(error.name)) return false;
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
