# Signs the end-user JWT the Zendesk Messaging widget asks for in loginUser.
class ZendeskController < ApplicationController
  before_action :authenticate_user!

  ZENDESK_KEY_ID = ENV.fetch('ZENDESK_KEY_ID')

  # GET /zendesk/jwt
  # TODO(migrate:ZG220): remove after cut-over: the Zendesk token route GET /zendesk/jwt is kept while the site moves to Messenger sign-in at /oidc (`migrate generate --cutover` removes it)
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
    token = JWT.encode(payload, ENV.fetch('ZENDESK_MESSAGING_SECRET'), 'HS256', { kid: ZENDESK_KEY_ID })
    render json: { token: token }
  end
end
