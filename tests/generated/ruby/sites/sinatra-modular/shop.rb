# frozen_string_literal: true

require 'sinatra/base'
require 'json'
require 'jwt'

# The shop's account pages (Sinatra, modular style).
class Shop < Sinatra::Base
  USERS = {
    'alice' => { id: 42, name: 'Alice Example', email: 'alice@example.com' }
  }.freeze

  helpers do
    def current_user
      USERS[request.cookies['session']]
    end
  end

  # Only signed-in customers reach the account pages and the chat token.
  before '/zendesk/*' do
    halt 401 unless current_user
  end

  get '/account' do
    halt 401 unless current_user
    "Hello #{current_user[:name]}"
  end

  # Zendesk Messaging: signs the visitor in (messenger loginUser).
  get '/zendesk/jwt' do
    claims = { external_id: current_user[:id].to_s, name: current_user[:name], email: current_user[:email] }
    token = JWT.encode(claims.merge(scope: 'user', exp: Time.now.to_i + 300), ENV.fetch('ZENDESK_SECRET'), 'HS256')
    content_type :json
    { jwt: token }.to_json
  end
end
