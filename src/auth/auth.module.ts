import { Global, Module } from '@nestjs/common';
import { configProvider } from '../config/config.module';
import { CrossSiteGuard } from '../edge/cross-site';
import { JobViewModule } from '../jobs/job-view-token';
import { AuthConfig, loadAuthConfig } from './auth.config';
import { ActionAuthorizer } from './authz.service';
import { CallerAuth } from './caller-auth.service';

@Global()
@Module({
  imports: [JobViewModule],
  providers: [
    configProvider(AuthConfig, loadAuthConfig),
    CallerAuth,
    ActionAuthorizer,
    CrossSiteGuard,
  ],
  exports: [AuthConfig, CallerAuth, ActionAuthorizer, JobViewModule, CrossSiteGuard],
})
export class AuthModule {}
