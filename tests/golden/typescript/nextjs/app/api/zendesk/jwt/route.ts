// TODO(migrate:ZG107): this route's Zendesk token handler was replaced by the OpenID provider under app/oidc/; nothing is left here, delete this file.
export {};
