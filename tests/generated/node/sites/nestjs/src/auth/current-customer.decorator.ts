import { createParamDecorator, ExecutionContext } from '@nestjs/common';

export const CurrentCustomer = createParamDecorator(
  (_data: unknown, context: ExecutionContext) => context.switchToHttp().getRequest().customer,
);
