import { Global, Module } from '@nestjs/common';
import { ActionAuthorizer } from './authz.service';
import { CallerAuth } from './caller-auth.service';

@Global()
@Module({ providers: [CallerAuth, ActionAuthorizer], exports: [CallerAuth, ActionAuthorizer] })
export class AuthModule {}
