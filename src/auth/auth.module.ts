import { Global, Module } from '@nestjs/common';
import { CrossSiteGuard } from '../edge/cross-site';
import { JobViewTokens } from '../jobs/job-view-token';
import { ActionAuthorizer } from './authz.service';
import { CallerAuth } from './caller-auth.service';

@Global()
@Module({
  providers: [CallerAuth, ActionAuthorizer, JobViewTokens, CrossSiteGuard],
  exports: [CallerAuth, ActionAuthorizer, JobViewTokens, CrossSiteGuard],
})
export class AuthModule {}
