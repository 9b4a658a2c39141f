export * from './farm.types';
export * from './farm.errors';
export { FarmConfig, loadFarmConfig } from './farm.config';
export {
  FARM_ADAPTERS,
  createFarmAdapter,
  farmKinds,
  type FarmAdapterEntry,
} from './farm.registry';
export { FARM_ADAPTER, FarmsModule } from './farms.module';
export { FlamencoAdapter } from './flamenco.adapter';
export { AfanasyAdapter } from './afanasy.adapter';
export { DeadlineAdapter } from './deadline.adapter';
export { DryRunAdapter, type DryRunRecord } from './dry-run.adapter';
export { commandTemplateWords } from './shell-words';
export { hasControlCharacter } from './farm-spec';
