# frozen_string_literal: true

class PagesController < ApplicationController
  def home
    render plain: 'Shop'
  end
end
