# frozen_string_literal: true

# A small Rack site that mounts the rendered provider core the way the Rails controller uses it:
#   ruby host_app.rb <rendered genesys_oidc.rb>
# GENESYS_OIDC_ISSUER may contain "{port}": WEBrick listens on 127.0.0.1, port 0, first, then the
# port is filled in and the provider is created. It prints "listening <port>" when ready.
# Test-only extras: the signed-in user comes from a "session" cookie or an X-Test-Session header,
# the time they signed in (when the site knows it) from X-Test-Signed-In-At, and
# POST /test/clock?offset=<seconds> shifts the provider's clock.

require 'json'
require 'uri'
require 'rack'
require 'webrick'
require 'rack/handler/webrick'

require File.expand_path(ARGV.fetch(0))

USERS = {
  'alice' => { id: 42, name: 'Alice Example', email: 'alice@example.com' },
  'bob' => { id: 'b-7', name: 'Bob Example', email: 'bob@example.com' }
}.freeze

# The site's own login check: loads the session user (or none) and marks that it ran.
def current_user(request)
  request.get_header('test.user')
end

guard = lambda do |request|
  request.set_header('test.guard', 'ran')
  cookie = /(?:\A|;\s*)session=([^;]+)/.match(request.get_header('HTTP_COOKIE').to_s)
  session = request.get_header('HTTP_X_TEST_SESSION') || (cookie && cookie[1])
  request.set_header('test.user', USERS[session])
  nil
end

claims = lambda do |request|
  user = current_user(request)
  signed_in_at = request.get_header('HTTP_X_TEST_SIGNED_IN_AT')
  user && { sub: user[:id].to_s, name: user[:name], email: user[:email], email_verified: true,
            auth_time: signed_in_at&.to_i }
end

class Site
  def initialize(issuer_path, provider)
    @issuer_path = issuer_path
    @provider = provider
  end

  def call(env)
    request = Rack::Request.new(env)
    if request.post? && request.path_info == '/test/clock'
      $clock_offset = Rack::Utils.parse_query(request.query_string)['offset'].to_f
      return [200, { 'Content-Type' => 'application/json' }, [JSON.generate(offset: $clock_offset)]]
    end
    path = request.path_info
    return [404, { 'Content-Type' => 'text/plain' }, ['not found']] unless path.start_with?("#{@issuer_path}/")

    env['SCRIPT_NAME'] = @issuer_path
    env['PATH_INFO'] = path.delete_prefix(@issuer_path)
    status, headers, body = @provider.call(env)
    headers = headers.merge('X-Guard' => 'ran') if env['test.guard']
    [status, headers, body]
  end
end

$clock_offset = 0.0
Thread.new do
  sleep Float(ENV.fetch('HOST_APP_MAX_SECONDS', '60'))
  Process.exit!(0) # never outlive the test that started us
end

server = WEBrick::HTTPServer.new(BindAddress: '127.0.0.1', Port: 0, Logger: WEBrick::Log.new(File::NULL),
                                 AccessLog: [])
port = server.listeners.first.addr[1]
ENV['GENESYS_OIDC_ISSUER'] = ENV.fetch('GENESYS_OIDC_ISSUER', '').sub('{port}', port.to_s)
begin
  # HOST_APP_CACHE_DIR: codes in an ActiveSupport file cache that several host processes share.
  cache = nil
  if ENV['HOST_APP_CACHE_DIR']
    require 'active_support'
    require 'active_support/cache'
    cache = ActiveSupport::Cache::FileStore.new(ENV['HOST_APP_CACHE_DIR'])
  end
  provider = GenesysOidc::App.new(claims: claims, guard: guard, now: -> { Time.now.to_f + $clock_offset },
                                  cache: cache)
rescue GenesysOidc::ConfigurationError => e
  # What a real server does when start-up fails: say why and exit.
  warn e.message
  exit 1
end
server.mount('/', Rack::Handler::WEBrick, Site.new(URI.parse(provider.issuer).path, provider))
trap('TERM') { server.shutdown }
$stdout.puts "listening #{port}"
$stdout.flush
server.start
