import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, Reflector } from '@nestjs/core';
import { KITSU_ACTION } from './action.decorator';
import type { ActionHandler, KitsuActionOptions, RegisteredAction } from './action.types';
import { QUEUE_NAMES, type QueueName } from '../queues/queues';

const ACTION_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/** Thrown at start-up when the set of actions is inconsistent. */
export class ActionRegistryError extends Error {
  override name = 'ActionRegistryError';
}

/**
 * Every @KitsuAction found at start-up, by name. Intake asks it what exists; workers ask it
 * which handler runs a job. Start-up fails loudly on a duplicate name or a malformed declaration.
 */
@Injectable()
export class ActionRegistry implements OnModuleInit {
  private readonly logger = new Logger(ActionRegistry.name);
  private readonly actions = new Map<string, RegisteredAction>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const metatype: unknown = wrapper.metatype;
      const instance: unknown = wrapper.instance;
      if (!metatype || !instance || typeof metatype !== 'function') continue;
      const options = this.reflector.get<KitsuActionOptions | undefined>(
        KITSU_ACTION,
        metatype as object as new () => unknown,
      );
      if (options) this.register(options, instance as ActionHandler);
    }
    this.logger.log(`Actions: ${this.names().join(', ') || '(none)'}`);
  }

  register(options: KitsuActionOptions, handler: ActionHandler): void {
    if (!ACTION_NAME.test(options.name)) {
      throw new ActionRegistryError(
        `Action name "${options.name}" must be lower-case letters, digits and dashes (max 40)`,
      );
    }
    if (this.actions.has(options.name)) {
      throw new ActionRegistryError(`Action "${options.name}" is registered twice`);
    }
    if (!(QUEUE_NAMES as readonly string[]).includes(options.queue)) {
      throw new ActionRegistryError(
        `Action "${options.name}" names unknown queue "${options.queue}"`,
      );
    }
    if (typeof handler.handle !== 'function') {
      throw new ActionRegistryError(`Action "${options.name}" has no handle(job) method`);
    }
    this.actions.set(options.name, { options, handler });
  }

  get(name: string): RegisteredAction | undefined {
    return this.actions.get(name);
  }

  names(): string[] {
    return [...this.actions.keys()].sort();
  }

  all(): RegisteredAction[] {
    return this.names().map((name) => this.actions.get(name)!);
  }

  /** Actions whose jobs go to a queue. */
  forQueue(queue: QueueName): RegisteredAction[] {
    return this.all().filter((action) => action.options.queue === queue);
  }

  /** Queues at least one action uses. */
  queuesInUse(): QueueName[] {
    return QUEUE_NAMES.filter((queue) => this.forQueue(queue).length > 0);
  }
}
