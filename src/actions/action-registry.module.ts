import { Global, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ActionRegistry } from './action-registry.service';

@Global()
@Module({ imports: [DiscoveryModule], providers: [ActionRegistry], exports: [ActionRegistry] })
export class ActionRegistryModule {}
