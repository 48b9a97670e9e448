<?php
// The Cache facade GenesysOidcController asks for its store. With LARAVEL_CACHE_REDIS=redis://host:port
// it is Laravel's own (Debian's php-illuminate-cache and php-illuminate-redis, over phpredis) with a
// redis default store, as `CACHE_DRIVER=redis` configures it; otherwise a stand-in whose default
// store is the array store, which keeps nothing between requests.
declare(strict_types=1);

namespace {
    $redisUrl = getenv('LARAVEL_CACHE_REDIS');
    if ($redisUrl) {
        foreach (['Container', 'Cache', 'Redis'] as $package) {
            require "/usr/share/php/Illuminate/$package/autoload.php";
        }

        // What config/cache.php and config/database.php hold, read with Laravel's dotted keys.
        final class GenesysOidcTestConfig implements ArrayAccess
        {
            public function __construct(private array $items)
            {
            }

            public function offsetExists($key): bool
            {
                return $this->offsetGet($key) !== null;
            }

            public function offsetGet($key): mixed
            {
                $value = $this->items;
                foreach (explode('.', (string) $key) as $part) {
                    if (!is_array($value) || !array_key_exists($part, $value)) {
                        return null;
                    }
                    $value = $value[$part];
                }
                return $value;
            }

            public function offsetSet($key, $value): void
            {
            }

            public function offsetUnset($key): void
            {
            }
        }

        $parts = parse_url($redisUrl);
        $app = new Illuminate\Container\Container();
        $app->instance('config', new GenesysOidcTestConfig(['cache' => [
            'default' => 'redis', 'prefix' => 'shop_cache',
            'stores' => ['redis' => ['driver' => 'redis', 'connection' => 'cache']],
        ]]));
        $app->instance('redis', new Illuminate\Redis\RedisManager($app, 'phpredis', [
            'cache' => ['host' => $parts['host'], 'port' => $parts['port'] ?? 6379, 'database' => 0],
        ]));
        $app->instance('cache', new Illuminate\Cache\CacheManager($app));
        Illuminate\Support\Facades\Facade::setFacadeApplication($app);
    } else {
        require __DIR__ . '/cache_stub.php';
    }
}
