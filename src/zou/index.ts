export * from './zou.types';
export * from './zou.errors';
export * from './zou.config';
export * from './zou.client';
export * from './selection-resolver';
export * from './zou.module';
export type {
  ZouCallOutcome,
  ZouOnCall,
  ZouRouteStats,
  ZouStats,
  ZouLogger,
} from './zou-transport';
