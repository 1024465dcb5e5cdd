# Mirrors the shared fixture devcontainer-multiple-agents: two agents, two devcontainers on
# the first, and an app on a devcontainer's sub-agent.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0"
    }
  }
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_agent" "secondary" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_devcontainer" "dev" {
  agent_id         = coder_agent.main.id
  workspace_folder = "/workspace"
}

resource "coder_devcontainer" "other" {
  agent_id         = coder_agent.main.id
  workspace_folder = "/other"
}

resource "coder_app" "devcontainer-app" {
  agent_id = coder_devcontainer.dev.subagent_id
  slug     = "devcontainer-app"
}

resource "terraform_data" "dev" {
  depends_on = [coder_agent.main]
}

resource "terraform_data" "secondary" {
  depends_on = [coder_agent.secondary]
}
