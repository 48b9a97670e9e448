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
  description = "The current name of Messenger deployment 5e0a7c43-8f8e-4d11-9a54-1b2c3d4e5f60 (Admin > Message > Messenger Deployments)."
  type        = string
}

variable "inbound_message_flow_id" {
  description = "Id of the inbound message flow the deployment uses today."
  type        = string
}

variable "configuration_name" {
  description = "Name of the Messenger configuration."
  type        = string
  default     = "Authenticated Messenger"
}

variable "languages" {
  description = "Languages of the Messenger configuration."
  type        = list(string)
  default     = ["en-us"]
}

variable "default_language" {
  description = "Default language of the Messenger configuration."
  type        = string
  default     = "en-us"
}
