import { Controller, Get, UseGuards } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { CurrentCustomer } from '../auth/current-customer.decorator';
import { SessionGuard } from '../auth/session.guard';
import type { Customer } from '../customers';

@Controller('zendesk')
export class ZendeskController {
  // Zendesk Messaging: the widget's JWT for the signed-in customer.
  @Get('jwt')
  @UseGuards(SessionGuard)
  token(@CurrentCustomer() customer: Customer) {
    const token = jwt.sign(
      {
        external_id: String(customer.id),
        name: customer.name,
        email: customer.email,
        email_verified: customer.emailConfirmed,
        scope: 'user',
      },
      process.env.ZENDESK_SECRET as string,
      { header: { alg: 'HS256', kid: process.env.ZENDESK_KEY_ID } },
    );
    return { token };
  }
}
