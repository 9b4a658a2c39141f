import { Global, Module } from '@nestjs/common';
import { CallerAuth } from './caller-auth.service';

@Global()
@Module({ providers: [CallerAuth], exports: [CallerAuth] })
export class AuthModule {}
