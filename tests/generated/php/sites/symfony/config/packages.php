<?php

use App\Security\SessionCookieAuthenticator;
use Symfony\Component\DependencyInjection\Loader\Configurator\ContainerConfigurator;

return static function (ContainerConfigurator $container): void {
    $container->extension('framework', [
        'secret' => '%env(APP_SECRET)%',
        'http_method_override' => false,
        'router' => ['utf8' => true],
    ]);
    $container->extension('security', [
        'enable_authenticator_manager' => true,
        'providers' => ['customers' => ['memory' => ['users' => [
            'alice' => ['roles' => ['ROLE_USER']],
        ]]]],
        'firewalls' => ['main' => [
            'stateless' => true,
            'provider' => 'customers',
            'custom_authenticators' => [SessionCookieAuthenticator::class],
        ]],
    ]);
    $services = $container->services()->defaults()->autowire()->autoconfigure();
    $services->load('App\\', __DIR__ . '/../src/')->exclude(__DIR__ . '/../src/Kernel.php');
};
