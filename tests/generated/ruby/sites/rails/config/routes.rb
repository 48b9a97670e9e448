# frozen_string_literal: true

Rails.application.routes.draw do
  root 'pages#home'

  # Zendesk Messaging: the widget's loginUser callback fetches its JWT here
  get 'zendesk/jwt', to: 'zendesk#jwt'
end
