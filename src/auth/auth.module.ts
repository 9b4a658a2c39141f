import { Global, Module } from '@nestjs/common';
import { JobViewTokens } from '../jobs/job-view-token';
import { ActionAuthorizer } from './authz.service';
import { CallerAuth } from './caller-auth.service';

@Global()
@Module({
  providers: [CallerAuth, ActionAuthorizer, JobViewTokens],
  exports: [CallerAuth, ActionAuthorizer, JobViewTokens],
})
export class AuthModule {}
