# Mirrors the shared fixture multiple-agents: four agents on one host resource, with a
# shutdown script, a motd file, a troubleshooting URL and a connection timeout.
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

resource "coder_agent" "dev2" {
  os                 = "darwin"
  arch               = "amd64"
  connection_timeout = 1
  motd_file          = "/etc/motd"
  shutdown_script    = "echo bye bye"
}

resource "coder_agent" "dev3" {
  os                      = "windows"
  arch                    = "arm64"
  troubleshooting_url     = "https://coder.com/troubleshoot"
  startup_script_behavior = "blocking"
}

resource "coder_agent" "dev4" {
  os   = "linux"
  arch = "amd64"
}

resource "terraform_data" "dev" {
  depends_on = [
    coder_agent.dev1,
    coder_agent.dev2,
    coder_agent.dev3,
    coder_agent.dev4,
  ]
}
