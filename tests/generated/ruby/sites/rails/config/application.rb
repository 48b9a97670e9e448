# frozen_string_literal: true

require 'rails'
require 'action_controller/railtie'
require 'jwt'

module Shop
  # The shop's storefront: controllers only (no database, no views).
  class Application < Rails::Application
    config.load_defaults 6.1
    config.eager_load = false
    config.secret_key_base = ENV.fetch('SECRET_KEY_BASE', 'development-only-secret-key-base')
    config.hosts.clear
    config.logger = Logger.new($stdout, level: :warn)
    # One host's servers share a file cache; a lone server keeps it in memory.
    config.cache_store = ENV['SHOP_CACHE_DIR'] ? [:file_store, ENV['SHOP_CACHE_DIR']] : :memory_store
  end
end
