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
  actionsBase,
  applyRegistration,
  countChanges,
  describeStep,
  desiredCustomActions,
  planRegistration,
  registrationProblems,
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
  /** Writes to Kitsu only when true; otherwise the plan is printed and nothing changes. */
  apply: boolean;
  prune: boolean;
  env: Env;
  print: (line: string) => void;
}

/**
 * Plans (and with `apply` makes) the changes that bring this deployment's Kitsu custom actions in
 * line with the registry; returns the number of changes planned or made.
 */
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
    const problems = registrationProblems(desired);
    if (problems.length > 0) {
      throw new Error(`Cannot register these actions:\n  ${problems.join('\n  ')}`);
    }
    const steps = planRegistration(desired, await zou.getCustomActions(), publicUrl, options.prune);
    options.print(
      `Kitsu custom actions under ${actionsBase(publicUrl)} (others are never touched):`,
    );
    for (const step of steps) options.print(describeStep(step));
    const changes = countChanges(steps);
    if (!options.apply) {
      options.print(
        `plan only: ${changes} change(s) not applied; run \`npm run actions:register -- --apply\` to make them`,
      );
    } else {
      await applyRegistration(zou, steps);
      options.print(`${changes} change(s) applied`);
    }
    return changes;
  } finally {
    await app.close();
  }
}

export type ParsedRegisterArgs =
  { ok: true; apply: boolean; prune: boolean; notes: string[] } | { ok: false; error: string };

const USAGE =
  'usage: npm run actions:register [-- --apply] [-- --prune]  (without --apply only the plan is shown)';

/**
 * Reads the command line. Writing needs an explicit `--apply`, so a flag npm swallows (npm takes
 * `npm run x --flag` for itself unless written after `--`) can only ever lose a write, never cause
 * one; and any sign of a dry run (the flag, or npm's own `npm_config_dry_run`) refuses to apply.
 */
export function parseRegisterArgs(
  args: readonly string[],
  env: Record<string, string | undefined>,
): ParsedRegisterArgs {
  const known = ['--apply', '--dry-run', '--prune', '--help'];
  const unknown = args.filter((arg) => !known.includes(arg));
  if (unknown.length > 0) {
    return { ok: false, error: `Unknown option(s): ${unknown.join(' ')}\n${USAGE}` };
  }
  if (args.includes('--help')) return { ok: false, error: USAGE };
  const apply = args.includes('--apply');
  const npmDryRun = env.npm_config_dry_run === 'true';
  if (apply && (args.includes('--dry-run') || npmDryRun)) {
    return {
      ok: false,
      error:
        `--apply and a dry run were both asked for${npmDryRun ? ' (npm_config_dry_run is set: --dry-run went to npm)' : ''}; ` +
        'nothing written. Without --apply only the plan is shown.',
    };
  }
  const notes: string[] = [];
  const prune = args.includes('--prune');
  if (!prune && env.npm_config_prune === 'true') {
    notes.push(
      'note: --prune went to npm, not to this script; write `npm run actions:register -- --prune`',
    );
  }
  return { ok: true, apply, prune, notes };
}

if (require.main === module) {
  const parsed = parseRegisterArgs(process.argv.slice(2), process.env);
  if (!parsed.ok) {
    console.error(parsed.error);
    process.exit(2);
  }
  for (const note of parsed.notes) console.error(note);
  registerActions({
    apply: parsed.apply,
    prune: parsed.prune,
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
