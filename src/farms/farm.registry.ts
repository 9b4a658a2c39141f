import { afanasyFarm } from './afanasy.adapter';
import { deadlineFarm } from './deadline.adapter';
import { dryRunFarm } from './dry-run.adapter';
import type { FarmConfig, FarmUrlVariable } from './farm.config';
import type { FarmAdapter } from './farm.types';
import { flamencoFarm } from './flamenco.adapter';

/** What adapters log; Nest's Logger fits. */
export interface FarmLogger {
  warn(message: string): void;
  log?(message: string): void;
}

export interface FarmAdapterOptions {
  logger?: FarmLogger;
}

/** How the registry builds one farm's adapter from the validated config. */
export interface FarmAdapterEntry {
  label: string;
  /** The config variable that must be set when this farm is chosen (start-up error otherwise). */
  urlVariable?: FarmUrlVariable;
  create(config: FarmConfig, options: FarmAdapterOptions): FarmAdapter;
}

/** RENDER_FARM values. Another farm: one adapter file exporting its entry, and one line here. */
export const FARM_ADAPTERS: Readonly<Record<string, FarmAdapterEntry>> = {
  flamenco: flamencoFarm,
  afanasy: afanasyFarm,
  deadline: deadlineFarm,
  'dry-run': dryRunFarm,
};

export function farmKinds(): string[] {
  return Object.keys(FARM_ADAPTERS);
}

/** The adapter RENDER_FARM selects; the config was validated, so the kind is known. */
export function createFarmAdapter(
  config: FarmConfig,
  options: FarmAdapterOptions = {},
): FarmAdapter {
  const entry = FARM_ADAPTERS[config.RENDER_FARM];
  if (!entry) throw new Error(`RENDER_FARM: no adapter "${config.RENDER_FARM}"`);
  return entry.create(config, options);
}
