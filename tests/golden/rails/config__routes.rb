Rails.application.routes.draw do
  devise_for :users

  root 'pages#home'
  resources :orders, only: %i[index show]

  # Zendesk Messaging: the widget's loginUser callback fetches its JWT here
  get 'zendesk/jwt', to: 'zendesk#jwt'

  # Genesys Cloud Messenger's OpenID provider (app/controllers/genesys_oidc_controller.rb); it
  # takes over from the Zendesk token route 'zendesk/jwt'.
  scope '/oidc', controller: :genesys_oidc, format: false do
    get '.well-known/openid-configuration', action: :discovery
    get 'jwks.json', action: :jwks
    get 'authorize', action: :authorize
    post 'token', action: :token
    match 'userinfo', action: :userinfo, via: %i[get post]
  end

  get 'up' => 'rails/health#show', as: :rails_health_check
end
