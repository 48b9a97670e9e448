# frozen_string_literal: true

require Rails.root.join('lib', 'genesys_oidc').to_s

# Genesys Cloud Messenger signs visitors in through this OpenID provider (it takes over from the
# Zendesk token action ZendeskController#jwt); Genesys redeems the codes it issues at /token. The endpoints are
# routed under /oidc in config/routes.rb; the protocol is in lib/genesys_oidc.rb.
class GenesysOidcController < ApplicationController
  # Read the settings when the controller loads (at boot when eager loading): a missing one stops start-up.
  # Codes and refresh tokens go to Redis with GENESYS_OIDC_STORE_URL, else to Rails.cache, so any Puma
  # worker or server can redeem them: it must be a store they share (config.cache_store =
  # :redis_cache_store, :mem_cache_store, a :file_store on one host); with :null_store or :memory_store
  # they stay in this process's memory, and the log says so at start-up.
  PROVIDER = GenesysOidc.app(cache: Rails.cache, logger: Rails.logger)

  skip_forgery_protection only: %i[token userinfo]
  # An unknown client or unregistered redirect URI is refused before the login check, never redirected.
  before_action :genesys_oidc_client, only: :authorize
  skip_before_action :authenticate_user!, raise: false
  before_action :authenticate_user!, only: :authorize

  def discovery
    relay PROVIDER.discovery(request)
  end

  def jwks
    relay PROVIDER.jwks(request)
  end

  def authorize
    relay PROVIDER.authorize(request, genesys_oidc_claims)
  end

  def token
    relay PROVIDER.token(request)
  end

  def userinfo
    relay PROVIDER.userinfo(request)
  end

  private

  # The signed-in user's ID-token claims, from the expressions the Zendesk token used
  # (nil when nobody is signed in).
  def genesys_oidc_claims
    return nil unless current_user # nobody is signed in: login_required
    user = current_user
    {
      sub: user.id.to_s, # external_id -> sub (zendesk-messaging.yaml:10)
      name: user.display_name, # name -> name (zendesk-messaging.yaml:11)
      email: user.email, # email -> email (zendesk-messaging.yaml:12)
      email_verified: user.confirmed?, # email_verified -> email_verified (zendesk-messaging.yaml:13)
    }
  end

  def genesys_oidc_client
    refused = PROVIDER.check_client(request)
    relay refused if refused
  end

  def relay(rack_response)
    status, headers, body = rack_response
    headers.each do |name, value|
      name == 'Content-Type' ? self.content_type = value : response.set_header(name, value)
    end
    self.status = status
    self.response_body = body
  end
end
