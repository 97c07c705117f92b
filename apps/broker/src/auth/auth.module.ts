import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { json, urlencoded } from 'express';
import { AuthController } from './auth.controller';
import { signInProvider } from './sign-in.provider';

@Module({ controllers: [AuthController], providers: [signInProvider] })
export class AuthModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Bodies are parsed only here: the kube proxy streams its request bodies untouched.
    consumer
      .apply(json({ limit: '16kb' }), urlencoded({ extended: false, limit: '16kb' }))
      .forRoutes({ path: 'auth/*path', method: RequestMethod.POST });
  }
}
