//! `tollgate templates push|list`, `tollgate create`, `tollgate builds logs`, `tollgate stop`,
//! `tollgate delete`: templates run by the server's provisioner (docs/provisioner.md).

use super::{organization, path_segment, pick};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json, utc_minute};
use anyhow::{Context, Result, bail};
use clap::{Args, Subcommand};
use futures::StreamExt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tollgate_api_types as api;
use uuid::Uuid;

#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Upload a template directory, import it (terraform init + plan on the server) and make it
    /// the template's active version, creating the template the first time.
    #[command(
        after_help = "Example:\n  tollgate templates push starter --dir examples/templates/starter"
    )]
    Push {
        /// The template's name.
        name: String,
        /// The directory of `.tf` files.
        #[arg(long, value_name = "DIR", default_value = ".")]
        dir: PathBuf,
        /// The organization, by name or id (default: the default organization).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
    },
    /// List the organization's templates.
    List {
        /// The organization, by name or id (default: the default organization).
        #[arg(long, value_name = "ORG")]
        org: Option<String>,
        #[command(flatten)]
        out: OutputArgs,
    },
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The workspace's name.
    pub name: String,
    /// The template, by name.
    #[arg(long, value_name = "NAME")]
    pub template: String,
    /// A parameter value, `name=value`; repeat for several.
    #[arg(long = "parameter", value_name = "NAME=VALUE")]
    pub parameters: Vec<String>,
    /// The template's organization, by name or id (default: the default organization).
    #[arg(long, value_name = "ORG")]
    pub org: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BuildsCommand {
    /// Print a build's logs; `--follow` streams them until the build ends.
    Logs {
        /// The build's id.
        build: Uuid,
        /// Stream the lines as they come until the build ends.
        #[arg(long)]
        follow: bool,
    },
}

pub async fn templates(cmd: TemplatesCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        TemplatesCommand::Push { name, dir, org } => {
            push(&client, &name, &dir, org.as_deref()).await
        }
        TemplatesCommand::List { org, out } => {
            let org = organization(&client, org.as_deref()).await?;
            let list: Vec<api::Template> =
                client.get(&format!("/api/v2/organizations/{}/templates", org.id)).await?;
            if out.json() {
                return print_json(&list);
            }
            let mut table = Columns::new(&["NAME", "ACTIVE VERSION", "UPDATED (UTC)"]);
            for t in &list {
                table.row([
                    t.name.clone(),
                    t.active_version_id.to_string(),
                    utc_minute(t.updated_at),
                ]);
            }
            table.print_or(
                "No templates yet: push one with `tollgate templates push NAME --dir DIR`.",
            );
            Ok(())
        }
    }
}

/// The directory as a tar archive (files and directories, `.terraform` left out).
fn tar_dir(dir: &Path) -> Result<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    builder.follow_symlinks(false);
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == ".terraform" || name.to_string_lossy().ends_with(".tfstate") {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            builder.append_dir_all(&name, &path)?;
        } else {
            builder.append_path_with_name(&path, &name)?;
        }
    }
    Ok(builder.into_inner()?)
}

async fn push(client: &Client, name: &str, dir: &Path, org: Option<&str>) -> Result<()> {
    let org = organization(client, org).await?;
    let file = client.upload_tar(tar_dir(dir)?).await?;
    let existing = find_template(client, org.id, name).await.ok();
    let body = api::CreateTemplateVersionRequest {
        file_id: file.hash,
        name: None,
        template_id: existing.as_ref().map(|t| t.id),
    };
    let version: api::TemplateVersion =
        client.post(&format!("/api/v2/organizations/{}/templateversions", org.id), &body).await?;
    println!("Importing {} (terraform init + plan on the server)…", dir.display());
    let path = format!("/api/v2/templateversions/{}", version.id);
    let version: api::TemplateVersion =
        wait(client, &path, |v: &api::TemplateVersion| v.job.status).await?;
    if version.job.status != api::ProvisionerJobStatus::Succeeded {
        let logs: Vec<api::ProvisionerJobLog> = client.get(&format!("{path}/logs")).await?;
        for log in logs.iter().filter(|l| l.log_level == "error") {
            eprintln!("{}", log.output);
        }
        bail!("the import {}: {}", super::wire_name(&version.job.status), version.job.error);
    }
    match existing {
        Some(t) => {
            let body = api::UpdateActiveTemplateVersion { id: version.id };
            let _: api::Response =
                client.patch(&format!("/api/v2/templates/{}/versions", t.id), &body).await?;
            println!("Updated template {name}: version {} is active.", version.name);
        }
        None => {
            let body = api::CreateTemplateRequest {
                name: name.to_owned(),
                template_version_id: version.id,
            };
            let _: api::Template =
                client.post(&format!("/api/v2/organizations/{}/templates", org.id), &body).await?;
            println!("Created template {name} (version {}).", version.name);
        }
    }
    Ok(())
}

async fn find_template(client: &Client, org: Uuid, name: &str) -> Result<api::Template> {
    let list: Vec<api::Template> =
        client.get(&format!("/api/v2/organizations/{org}/templates")).await?;
    pick(list, "template", name, |t| t.name.eq_ignore_ascii_case(name), |t| t.name.clone())
}

/// Polls `path` until its job has ended.
async fn wait<T: serde::de::DeserializeOwned>(
    client: &Client,
    path: &str,
    status: impl Fn(&T) -> api::ProvisionerJobStatus,
) -> Result<T> {
    use api::ProvisionerJobStatus as S;
    loop {
        let got: T = client.get(path).await?;
        if matches!(status(&got), S::Succeeded | S::Failed | S::Canceled) {
            return Ok(got);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

pub async fn create(args: CreateArgs) -> Result<()> {
    let client = Client::from_session()?;
    let org = organization(&client, args.org.as_deref()).await?;
    let template = find_template(&client, org.id, &args.template).await?;
    let mut values = Vec::new();
    for p in &args.parameters {
        let Some((name, value)) = p.split_once('=') else {
            bail!("--parameter {p:?} is not NAME=VALUE");
        };
        values
            .push(api::WorkspaceBuildParameter { name: name.to_owned(), value: value.to_owned() });
    }
    let body = api::CreateWorkspaceRequest {
        name: args.name.clone(),
        organization_id: None,
        terraform_state: None,
        terraform_graph: None,
        template_id: Some(template.id),
        rich_parameter_values: Some(values),
        template_version_preset_id: None,
    };
    let ws: api::Workspace = client.post("/api/v2/users/me/workspaces", &body).await?;
    println!("Workspace {} is building (build {}).", ws.name, ws.latest_build.id);
    follow(&client, ws.latest_build.id).await
}

pub async fn builds(cmd: BuildsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        BuildsCommand::Logs { build, follow: true } => follow(&client, build).await,
        BuildsCommand::Logs { build, follow: false } => {
            let logs: Vec<api::ProvisionerJobLog> =
                client.get(&format!("/api/v2/workspacebuilds/{build}/logs")).await?;
            for log in &logs {
                println!("{}", log.output);
            }
            Ok(())
        }
    }
}

/// Prints the build's log lines as they come, then how it ended (an error when it did not succeed).
async fn follow(client: &Client, build: Uuid) -> Result<()> {
    let token = super::session::token_of(client)?;
    let ws_base = client.base().replacen("http", "ws", 1);
    let mut request = format!("{ws_base}/api/v2/workspacebuilds/{build}/logs?follow=true")
        .into_client_request()?;
    request.headers_mut().insert(
        api::SESSION_TOKEN_HEADER,
        token.parse().context("token is not a valid header value")?,
    );
    let (mut socket, _) =
        tokio_tungstenite::connect_async(request).await.context("open the build's logs")?;
    while let Some(frame) = socket.next().await {
        match frame.context("read the build's logs")? {
            Message::Text(text) => {
                let log: api::ProvisionerJobLog =
                    serde_json::from_str(&text).context("a log line is not JSON")?;
                println!("{}", log.output);
            }
            Message::Close(_) => break,
            _ => {}
        }
    }
    let b: api::ProvisionedBuild = client.get(&format!("/api/v2/workspacebuilds/{build}")).await?;
    match b.status {
        api::ProvisionerJobStatus::Succeeded => {
            println!("Build {} ({}) succeeded.", b.build_number, super::wire_name(&b.transition));
            Ok(())
        }
        other => bail!(
            "build {} {}: {}",
            b.build_number,
            super::wire_name(&other),
            b.job.map(|j| j.error).unwrap_or_default()
        ),
    }
}

/// `tollgate stop WS` / `tollgate delete WS`: a build with that transition, followed to its end.
pub async fn transition(workspace: &str, transition: api::WorkspaceTransition) -> Result<()> {
    let client = Client::from_session()?;
    let id = match workspace.parse::<Uuid>() {
        Ok(id) => id,
        Err(_) => super::workspaces::find_id(&client, workspace).await?,
    };
    let body = api::CreateWorkspaceBuildRequest { transition, rich_parameter_values: None };
    let b: api::ProvisionedBuild = client
        .post(&format!("/api/v2/workspaces/{}/builds", path_segment(&id.to_string())), &body)
        .await?;
    follow(&client, b.id).await
}
