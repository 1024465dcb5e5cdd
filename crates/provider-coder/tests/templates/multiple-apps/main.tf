# Mirrors the shared fixture multiple-apps: three apps on one agent, one with a healthcheck
# and a subdomain.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0"
    }
  }
}

resource "coder_agent" "dev1" {
  os   = "linux"
  arch = "amd64"
}

resource "coder_app" "app1" {
  agent_id = coder_agent.dev1.id
  slug     = "app1"
}

resource "coder_app" "app2" {
  agent_id  = coder_agent.dev1.id
  slug      = "app2"
  subdomain = true
  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

resource "coder_app" "app3" {
  agent_id  = coder_agent.dev1.id
  slug      = "app3"
  subdomain = false
}

resource "terraform_data" "dev" {
  depends_on = [coder_agent.dev1]
}
