# TODO(migrate:ZG107): ZendeskController has no action left (GenesysOidcController replaces it); remove it
# Signs the end-user JWT the Zendesk Messaging widget asks for in loginUser.
class ZendeskController < ApplicationController
  before_action :authenticate_user!

  ZENDESK_KEY_ID = ENV.fetch('ZENDESK_KEY_ID')
end
