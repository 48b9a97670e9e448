import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ['error'] });
  await app.listen(Number(process.env.PORT || 3000), '127.0.0.1');
  console.log(`listening ${app.getHttpServer().address().port}`);
}

bootstrap();
