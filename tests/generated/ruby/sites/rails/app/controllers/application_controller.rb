# frozen_string_literal: true

class ApplicationController < ActionController::Base
  protect_from_forgery with: :exception

  Customer = Struct.new(:id, :display_name, :email, :confirmed, keyword_init: true) do
    def confirmed?
      confirmed
    end
  end

  CUSTOMERS = {
    'alice' => Customer.new(id: 42, display_name: 'Alice Example', email: 'alice@example.com', confirmed: true)
  }.freeze

  private

  # The signed-in customer, from the shop's session cookie.
  def current_user
    CUSTOMERS[cookies[:session]]
  end

  def authenticate_user!
    head :unauthorized unless current_user
  end
end
