import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';
import { ZendeskController } from './zendesk/zendesk.controller';

@Module({
  controllers: [HealthController, ZendeskController],
})
export class AppModule {}
