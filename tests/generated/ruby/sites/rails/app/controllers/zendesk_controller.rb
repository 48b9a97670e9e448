# frozen_string_literal: true

# Signs the end-user JWT the Zendesk Messaging widget asks for in loginUser.
class ZendeskController < ApplicationController
  before_action :authenticate_user!

  # GET /zendesk/jwt
  def jwt
    user = current_user
    payload = {
      external_id: user.id,
      name: user.display_name,
      email: user.email,
      email_verified: user.confirmed?,
      scope: 'user',
      exp: Time.now.to_i + 300
    }
    token = JWT.encode(payload, ENV.fetch('ZENDESK_SECRET'), 'HS256', { kid: ENV.fetch('ZENDESK_KEY_ID') })
    render json: { token: token }
  end
end
