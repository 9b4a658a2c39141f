import { Global, Module } from '@nestjs/common';
import { configProvider } from '../config/config.module';
import { CrossSiteGuard } from '../edge/cross-site';
import { JobViewTokens } from '../jobs/job-view-token';
import { AuthConfig, loadAuthConfig } from './auth.config';
import { ActionAuthorizer } from './authz.service';
import { CallerAuth } from './caller-auth.service';

@Global()
@Module({
  providers: [
    configProvider(AuthConfig, loadAuthConfig),
    CallerAuth,
    ActionAuthorizer,
    JobViewTokens,
    CrossSiteGuard,
  ],
  exports: [AuthConfig, CallerAuth, ActionAuthorizer, JobViewTokens, CrossSiteGuard],
})
export class AuthModule {}
