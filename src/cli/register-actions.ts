import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ActionRegistryModule } from '../actions/action-registry.module';
import { ActionRegistry } from '../actions/action-registry.service';
import { ActionsModule } from '../actions/actions.module';
import { loadAppConfig } from '../config/app.config';
import { ConfigModule, type Env } from '../config/config.module';
import { QueuesModule } from '../queues/queues.module';
import { ZouModule } from '../zou/zou.module';
import { ZouClient } from '../zou/zou.client';
import {
  applyRegistration,
  describeStep,
  desiredCustomActions,
  planRegistration,
} from './action-registration';

@Module({})
class RegisterActionsModule {
  static forEnv(env: Env): DynamicModule {
    return {
      module: RegisterActionsModule,
      // Some action modules inject queues (render enqueues tracking, stats serves downloads), so the
      // registry can only be built with them; nothing is enqueued here.
      imports: [
        ConfigModule.forRoot(env),
        QueuesModule,
        ZouModule,
        ActionRegistryModule,
        ActionsModule,
      ],
    };
  }
}

export interface RegisterOptions {
  dryRun: boolean;
  prune: boolean;
  env: Env;
  print: (line: string) => void;
}

/** Creates or updates our custom actions in Zou; returns the number of changes (planned or made). */
export async function registerActions(options: RegisterOptions): Promise<number> {
  const publicUrl = loadAppConfig(options.env).publicUrl;
  const app = await NestFactory.createApplicationContext(
    RegisterActionsModule.forEnv(options.env),
    {
      logger: ['error', 'warn'],
      abortOnError: false,
    },
  );
  try {
    const registry = app.get(ActionRegistry);
    const zou = app.get(ZouClient);
    const desired = desiredCustomActions(registry.all(), publicUrl);
    const steps = planRegistration(desired, await zou.getCustomActions(), publicUrl, options.prune);
    for (const step of steps) options.print(describeStep(step));
    const changes = steps.filter((step) => step.kind !== 'keep').length;
    if (options.dryRun) {
      options.print(`dry run: ${changes} change(s) not applied`);
    } else {
      await applyRegistration(zou, steps);
      options.print(`${changes} change(s) applied`);
    }
    return changes;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const unknown = args.filter((arg) => arg !== '--dry-run' && arg !== '--prune');
  if (unknown.length > 0) {
    console.error(`Unknown option(s): ${unknown.join(' ')} (use --dry-run, --prune)`);
    process.exit(2);
  }
  registerActions({
    dryRun: args.includes('--dry-run'),
    prune: args.includes('--prune'),
    env: process.env,
    print: (line) => console.log(line),
  }).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : String(error));
      process.exit(1);
    },
  );
}
