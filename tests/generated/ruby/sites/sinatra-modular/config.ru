# frozen_string_literal: true

require_relative 'shop'

run Shop
