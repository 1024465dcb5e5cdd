# A starter Coder template that runs with tollgate's own `coder` provider and Terraform's
# built-in `terraform_data` only: no network and no cloud account needed. The "machine" is a
# terraform_data resource standing in for a VM or container; swap it for a real one (with the
# agent's init_script as its startup command) when you have a provider for it.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0"
    }
  }
}

data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

data "coder_parameter" "size" {
  name         = "size"
  display_name = "Machine size"
  description  = "How many CPUs the workspace gets."
  type         = "number"
  default      = 2
  mutable      = true
  option {
    name  = "Small (2 CPUs)"
    value = "2"
  }
  option {
    name  = "Large (8 CPUs)"
    value = "8"
  }
}

data "coder_parameter" "repo" {
  name         = "repo"
  display_name = "Repository"
  description  = "Git repository to clone into ~/src."
  default      = "https://github.com/coder/coder"
  mutable      = true
  validation {
    regex = "^https://"
    error = "Use an https:// URL"
  }
}

data "coder_workspace_preset" "big" {
  name = "Big machine"
  parameters = {
    (data.coder_parameter.size.name) = "8"
  }
}

resource "coder_agent" "main" {
  os   = "linux"
  arch = "amd64"
  env = {
    GIT_AUTHOR_NAME  = data.coder_workspace_owner.me.full_name
    GIT_AUTHOR_EMAIL = data.coder_workspace_owner.me.email
  }
  metadata {
    key          = "load"
    display_name = "Load average"
    script       = "cat /proc/loadavg"
    interval     = 10
    timeout      = 1
  }
}

resource "coder_script" "clone" {
  agent_id           = coder_agent.main.id
  display_name       = "Clone repository"
  script             = "test -d ~/src || git clone ${data.coder_parameter.repo.value} ~/src"
  run_on_start       = true
  start_blocks_login = true
}

resource "coder_app" "code" {
  agent_id     = coder_agent.main.id
  slug         = "code"
  display_name = "VS Code (browser)"
  url          = "http://localhost:13337/?folder=/home/coder/src"
  subdomain    = false
  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

resource "coder_devcontainer" "project" {
  count            = data.coder_workspace.me.start_count
  agent_id         = coder_agent.main.id
  workspace_folder = "/home/coder/src"
}

# The workspace's machine exists only while the workspace is started.
resource "terraform_data" "machine" {
  count = data.coder_workspace.me.start_count
  input = {
    name        = "${data.coder_workspace_owner.me.name}-${data.coder_workspace.me.name}"
    cpus        = data.coder_parameter.size.value
    init_script = coder_agent.main.init_script
    agent_token = coder_agent.main.token
  }
}

resource "coder_metadata" "machine" {
  count       = data.coder_workspace.me.start_count
  resource_id = terraform_data.machine[0].id
  item {
    key   = "cpus"
    value = data.coder_parameter.size.value
  }
}
