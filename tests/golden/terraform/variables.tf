# Values the generated configuration cannot know; README.md says where each comes from.

variable "oidc_client_secret" {
  description = "The client secret Genesys presents to the site's token endpoint (the content of /etc/migrate/shop.example.com/client-secret)."
  type        = string
  sensitive   = true
}

variable "oidc_integration_type" {
  description = "Integration type id of \"OpenID Connect Messenger Configuration\" (GET /api/v2/integrations/types)."
  type        = string
}

variable "oidc_credential_type" {
  description = "Credential type name that integration type takes (GET /api/v2/integrations/credentials/types)."
  type        = string
}

variable "oidc_credential_key" {
  description = "Key under which the integration type expects its credential (the credentials property of the type)."
  type        = string
}

variable "deployment_name" {
  description = "The deployment's name; kept as it is in Genesys (ignore_changes), any value passes."
  type        = string
  default     = "Messenger deployment (name kept)"
}

variable "configuration_name" {
  description = "The configuration's name; kept as it is in Genesys (ignore_changes), any value passes."
  type        = string
  default     = "Messenger configuration (name kept)"
}

variable "existing_allowed_domains" {
  description = "The allowed domains the deployment has today: the site's domains are added to them."
  type        = list(string)
}

variable "existing_languages" {
  description = "The configuration's languages; kept as they are in Genesys (ignore_changes)."
  type        = list(string)
  default     = ["en-us"]
}

variable "existing_default_language" {
  description = "The configuration's default language; kept as it is in Genesys unless the site's locale sets it."
  type        = string
  default     = "en-us"
}
