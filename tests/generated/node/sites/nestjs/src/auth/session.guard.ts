import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { findCustomer } from '../customers';

// The shop's session: the cookie names the signed-in customer.
@Injectable()
export class SessionGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const req = http.getRequest();
    req.customer = findCustomer(req.headers.cookie);
    if (!req.customer) return false;
    http.getResponse().setHeader('X-Guard', 'ran');
    return true;
  }
}
