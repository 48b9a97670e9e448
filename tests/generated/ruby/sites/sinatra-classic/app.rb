# frozen_string_literal: true

# The shop's storefront API (Sinatra, classic style).
require 'sinatra'
require 'json'
require 'jwt'

USERS = {
  'alice' => { id: 42, first_name: 'Alice', last_name: 'Example', email: 'alice@example.com' }
}.freeze

helpers do
  # The signed-in customer, from the shop's session cookie.
  def current_user
    USERS[request.cookies['session']]
  end
end

get '/' do
  'Shop'
end

# Zendesk Messaging: signs the visitor in (messenger loginUser).
get '/zendesk/jwt' do
  halt 401 unless current_user
  user = current_user
  payload = {
    external_id: user[:id].to_s,
    name: "#{user[:first_name]} #{user[:last_name]}",
    email: user[:email],
    email_verified: true,
    scope: 'user',
    exp: Time.now.to_i + 300
  }
  content_type :json
  { jwt: JWT.encode(payload, ENV.fetch('ZENDESK_SECRET'), 'HS256', { kid: ENV.fetch('ZENDESK_KEY_ID') }) }.to_json
end
