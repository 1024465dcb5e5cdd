# Every resource and data source of the coder provider in one template: the integration test
# plans it without parameters (template import), applies it with the provisioner's CODER_*
# variables, converts the state, stops, imports and destroys it.
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = ">= 2.0"
    }
  }
}

provider "coder" {}

data "coder_provisioner" "me" {}
data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

data "coder_external_auth" "github" {
  id = "github"
}

data "coder_external_auth" "gitlab" {
  id       = "gitlab"
  optional = true
}

data "coder_parameter" "region" {
  name         = "region"
  display_name = "Region"
  default      = "us"
  mutable      = true
  order        = 1
  option {
    name  = "United States"
    value = "us"
  }
  option {
    name  = "Europe"
    value = "eu"
    icon  = "/emojis/1f1ea-1f1fa.png"
  }
}

data "coder_parameter" "cpus" {
  name      = "cpus"
  type      = "number"
  form_type = "slider"
  default   = 2
  mutable   = true
  order     = 2
  validation {
    min       = 1
    max       = 8
    monotonic = "increasing"
  }
}

# Required: no default. At template import there is no value, and that must not fail.
data "coder_parameter" "project" {
  name        = "project"
  description = "Repository to clone"
  order       = 3
}

data "coder_parameter" "debug" {
  name      = "debug"
  type      = "bool"
  default   = false
  mutable   = true
  ephemeral = true
}

data "coder_workspace_preset" "small" {
  name    = "small"
  default = true
  parameters = {
    (data.coder_parameter.region.name) = "eu"
    (data.coder_parameter.cpus.name)   = "2"
  }
  prebuilds {
    instances = 1
    expiration_policy {
      ttl = 86400
    }
  }
}

resource "coder_agent" "main" {
  os                      = "linux"
  arch                    = "amd64"
  startup_script          = "echo starting"
  startup_script_behavior = "blocking"
  shutdown_script         = "echo stopping"
  connection_timeout      = 300
  troubleshooting_url     = "https://example.com/help"
  motd_file               = "/etc/motd"
  order                   = 1
  env = {
    REGION = data.coder_parameter.region.value
  }
  metadata {
    key          = "load"
    display_name = "Load"
    script       = "uptime"
    interval     = 10
    timeout      = 1
    order        = 1
  }
  display_apps {
    vscode       = false
    web_terminal = true
  }
  resources_monitoring {
    memory {
      enabled   = true
      threshold = 80
    }
    volume {
      path      = "/home"
      enabled   = true
      threshold = 90
    }
  }
}

resource "coder_agent" "sidecar" {
  os   = "linux"
  arch = "arm64"
}

resource "coder_app" "code" {
  agent_id     = coder_agent.main.id
  slug         = "code"
  display_name = "Code"
  url          = "http://localhost:13337"
  share        = "authenticated"
  subdomain    = true
  open_in      = "tab"
  order        = 1
  group        = "Editors"
  tooltip      = "VS Code in the browser"
  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

resource "coder_app" "shell" {
  agent_id = coder_agent.main.id
  slug     = "shell"
  command  = "bash"
}

resource "coder_script" "init" {
  agent_id           = coder_agent.main.id
  display_name       = "Init"
  icon               = "/icon/terminal.svg"
  script             = "echo init"
  run_on_start       = true
  start_blocks_login = true
  timeout            = 60
  log_path           = "init.log"
}

resource "coder_script" "nightly" {
  agent_id     = coder_agent.main.id
  display_name = "Nightly"
  script       = "echo nightly"
  cron         = "0 0 2 * * *"
}

resource "coder_env" "path" {
  agent_id       = coder_agent.main.id
  name           = "PATH"
  value          = "/opt/tools/bin"
  merge_strategy = "prepend"
}

resource "coder_devcontainer" "dev" {
  agent_id         = coder_agent.main.id
  workspace_folder = "/workspace"
  config_path      = "/workspace/.devcontainer/devcontainer.json"
}

resource "coder_app" "preview" {
  agent_id = coder_devcontainer.dev.subagent_id
  slug     = "preview"
  url      = "http://localhost:3000"
}

resource "coder_ai_task" "task" {
  app_id = coder_app.code.id
}

resource "coder_external_agent" "ext" {
  agent_id = coder_agent.sidecar.id
}

resource "coder_agent_instance" "main" {
  agent_id    = coder_agent.main.id
  instance_id = "i-0123456789"
}

# The workspace's machine: it exists only while the workspace is started.
resource "terraform_data" "workspace" {
  count = data.coder_workspace.me.start_count
  input = {
    token = coder_agent.main.token
    owner = data.coder_workspace_owner.me.name
    os    = data.coder_provisioner.me.os
  }
}

resource "coder_metadata" "workspace" {
  count       = data.coder_workspace.me.start_count
  resource_id = terraform_data.workspace[0].id
  daily_cost  = 10
  icon        = "/icon/server.svg"
  item {
    key   = "region"
    value = data.coder_parameter.region.value
  }
  item {
    key       = "secret"
    value     = "s3cret"
    sensitive = true
  }
  item {
    key = "nothing"
  }
}
