//! One job: its directory (the template unpacked, the provider mirror's configuration), its
//! stages, its heartbeat (which notices a cancel), and its result handed to the store.

use super::terraform::{self, StageError};
use super::{Ctl, Shared, params};
use crate::wire;
use crate::workspace_build;
use std::path::Path;
use tokio::sync::watch;
use tollgate_api_types as api;
use tollgate_store::{self as store, BuildTransition, JobKind, JobOutcome, ProvisionerJob};

/// What an import learned, as the API shows it (stored whole with the template version).
#[derive(serde::Serialize, serde::Deserialize, Default)]
pub struct ImportResult {
    pub parameters: Vec<api::TemplateVersionParameter>,
    pub presets: Vec<api::Preset>,
    pub external_auth: Vec<api::TemplateVersionExternalAuth>,
    pub resources: Vec<api::WorkspaceResource>,
}

pub(super) async fn run(shared: &Shared, worker: &str, job: ProvisionerJob) {
    let state = &shared.state;
    let settings = &state.settings.provisioner;
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let ctl = Ctl {
        state: state.clone(),
        job: job.id,
        terraform: settings.terraform.clone(),
        cancel: cancel_rx,
        deadline: tokio::time::Instant::now() + settings.timeout,
        timeout: settings.timeout,
    };
    let beat =
        tokio::spawn(heartbeat(ctl.clone(), worker.to_owned(), cancel_tx, shared.shutdown.clone()));
    let dir = tempfile::Builder::new().prefix("tollgate-job-").tempdir();
    let outcome = match &dir {
        Err(e) => Err(StageError::Failed(format!("No directory for the job: {e}"))),
        Ok(dir) => match job.kind {
            JobKind::TemplateVersionImport => {
                import(shared, &ctl, &job, dir.path()).await.map(Done::Import)
            }
            JobKind::WorkspaceBuild => build(shared, &ctl, &job, dir.path()).await.map(Done::Build),
        },
    };
    beat.abort();
    // Nothing of the job stays on disk (its state is in the database).
    drop(dir);
    let at = state.clock.now();
    let stopping = *shared.shutdown.borrow();
    let (outcome, done) = match outcome {
        Ok(done) => (JobOutcome::Succeeded, Some(done)),
        Err(StageError::Canceled) if stopping => {
            (JobOutcome::Failed("The server shut down during the job.".to_owned()), None)
        }
        Err(StageError::Canceled) => (JobOutcome::Canceled, None),
        Err(StageError::Failed(e)) => (JobOutcome::Failed(e), None),
    };
    let failure = match &outcome {
        JobOutcome::Failed(e) => Some(e.clone()),
        JobOutcome::Canceled => Some("Canceled.".to_owned()),
        JobOutcome::Succeeded => None,
    };
    if let Some(text) = failure {
        let mut line = ctl.log("Cleaning Up", "error", text);
        line.source = "provisioner_daemon".to_owned();
        ctl.append(&[line]).await;
    }
    let stored = match (job.kind, &done) {
        (JobKind::WorkspaceBuild, Some(Done::Build(result))) => {
            state.store.finish_build(job.id, worker, Some(result), &outcome, at).await
        }
        (JobKind::WorkspaceBuild, _) => {
            state.store.finish_build(job.id, worker, None, &outcome, at).await
        }
        (_, Some(Done::Import(result))) => {
            let json = serde_json::to_value(result).unwrap_or_default();
            state.store.finish_import(job.id, worker, Some(&json), &outcome, at).await
        }
        _ => state.store.finish_import(job.id, worker, None, &outcome, at).await,
    };
    match stored {
        Ok(true) => {}
        Ok(false) => tracing::warn!(job = %job.id, "the job was no longer this worker's"),
        Err(e) => {
            tracing::warn!(job = %job.id, error = %e, "could not store the job's result");
            let failed = JobOutcome::Failed(format!("The result could not be stored: {e}"));
            let _ = state.store.finish_job(job.id, worker, &failed, at).await;
        }
    }
}

enum Done {
    Import(ImportResult),
    Build(store::BuildResult),
}

/// Beats until aborted; asks the stages to stop when the job is canceled, taken away (failed as
/// stale) or the server shuts down.
async fn heartbeat(
    ctl: Ctl,
    worker: String,
    cancel: watch::Sender<bool>,
    mut shutdown: watch::Receiver<bool>,
) {
    let interval = ctl.state.settings.provisioner.heartbeat_interval;
    loop {
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|s| *s) => { let _ = cancel.send(true); return; }
        }
        match ctl.state.store.heartbeat_job(ctl.job, &worker, ctl.state.clock.now()).await {
            Ok(Some(job)) if job.canceled_at.is_none() => {}
            Ok(_) => {
                let _ = cancel.send(true);
                return;
            }
            Err(e) => tracing::warn!(job = %ctl.job, error = %e, "provisioner heartbeat failed"),
        }
    }
}

/// The template unpacked into `dir`, Terraform checked, and the environment every stage gets.
async fn prepare(
    shared: &Shared,
    ctl: &Ctl,
    job: &ProvisionerJob,
    dir: &Path,
) -> Result<Vec<(String, String)>, StageError> {
    let failed = StageError::Failed;
    super::check_version(&ctl.terraform).await.map_err(failed)?;
    let mirror = shared.mirror.as_ref().map_err(|e| StageError::Failed(e.clone()))?;
    let file = ctl.state.store.get_file(job.file_id).await.map_err(|e| failed(e.to_string()))?;
    let file = file.ok_or_else(|| failed("The template's file is gone.".to_owned()))?;
    super::archive::unpack(&file.data, dir).map_err(failed)?;
    // A lock file made with Coder's own provider lists hashes this provider cannot match.
    let _ = std::fs::remove_file(dir.join(".terraform.lock.hcl"));
    let mut env: Vec<(String, String)> = mirror
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_string_lossy().into_owned()))
        .collect();
    env.extend(
        [("TF_IN_AUTOMATION", "1"), ("TF_INPUT", "0"), ("CHECKPOINT_DISABLE", "1")]
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
    );
    Ok(env)
}

async fn init(ctl: &Ctl, dir: &Path, env: &[(String, String)]) -> Result<(), StageError> {
    terraform::run(ctl, dir, env, "Setting up", &["init", "-input=false", "-no-color"], false)
        .await
        .map(drop)
}

async fn import(
    shared: &Shared,
    ctl: &Ctl,
    job: &ProvisionerJob,
    dir: &Path,
) -> Result<ImportResult, StageError> {
    let mut env = prepare(shared, ctl, job, dir).await?;
    env.push(("CODER_WORKSPACE_TRANSITION".to_owned(), "start".to_owned()));
    init(ctl, dir, &env).await?;
    let plan = ["plan", "-input=false", "-no-color", "-out=tollgate.tfplan"];
    terraform::run(ctl, dir, &env, "Planning infrastructure", &plan, false).await?;
    let json = terraform::run(
        ctl,
        dir,
        &env,
        "Planning infrastructure",
        &["show", "-json", "tollgate.tfplan"],
        true,
    )
    .await?;
    let dot =
        terraform::run(ctl, dir, &env, "Planning infrastructure", &["graph", "-type=plan"], true)
            .await?;
    let now = ctl.state.clock.now();
    let conversion = convert(json, dot).await?;
    let tree = workspace_build::build(&conversion, now).map_err(StageError::Failed)?;
    let s = &conversion.state;
    Ok(ImportResult {
        parameters: s.parameters.iter().map(parameter).collect(),
        presets: s
            .presets
            .iter()
            .map(|p| api::Preset {
                id: uuid::Uuid::new_v4(),
                name: p.name.clone(),
                parameters: p
                    .parameters
                    .iter()
                    .map(|v| api::PresetParameter { name: v.name.clone(), value: v.value.clone() })
                    .collect(),
                default: p.default,
            })
            .collect(),
        external_auth: s
            .external_auth_providers
            .iter()
            .map(|e| api::TemplateVersionExternalAuth { id: e.id.clone(), optional: e.optional })
            .collect(),
        resources: wire::workspaces::build(uuid::Uuid::nil(), &tree).resources,
    })
}

async fn convert(
    json: Vec<u8>,
    dot: Vec<u8>,
) -> Result<tollgate_terraform::Conversion, StageError> {
    let work = move || {
        let json = String::from_utf8_lossy(&json);
        let dot = String::from_utf8_lossy(&dot);
        tollgate_terraform::convert(&json, &dot).map_err(|e| {
            StageError::Failed(format!("The Terraform state cannot be converted: {e}"))
        })
    };
    tokio::task::spawn_blocking(work).await.map_err(|e| StageError::Failed(e.to_string()))?
}

/// Coder's `ParameterFormType` numbers as the API names them.
fn form_type(n: i32) -> &'static str {
    match n {
        1 => "error",
        2 => "radio",
        3 => "slider",
        4 => "input",
        5 => "dropdown",
        6 => "checkbox",
        7 => "switch",
        8 => "multi-select",
        9 => "tag-select",
        10 => "textarea",
        _ => "",
    }
}

fn parameter(p: &tollgate_terraform::model::RichParameter) -> api::TemplateVersionParameter {
    api::TemplateVersionParameter {
        name: p.name.clone(),
        display_name: p.display_name.clone(),
        description: p.description.clone(),
        param_type: p.type_.clone(),
        form_type: form_type(p.form_type).to_owned(),
        mutable: p.mutable,
        default_value: p.default_value.clone(),
        icon: p.icon.clone(),
        options: p
            .options
            .iter()
            .map(|o| api::TemplateVersionParameterOption {
                name: o.name.clone(),
                description: o.description.clone(),
                value: o.value.clone(),
                icon: o.icon.clone(),
            })
            .collect(),
        validation_error: p.validation_error.clone(),
        validation_regex: p.validation_regex.clone(),
        validation_min: p.validation_min,
        validation_max: p.validation_max,
        validation_monotonic: p.validation_monotonic.clone(),
        required: p.required,
        ephemeral: p.ephemeral,
        order: i64::from(p.order),
    }
}

async fn build(
    shared: &Shared,
    ctl: &Ctl,
    job: &ProvisionerJob,
    dir: &Path,
) -> Result<store::BuildResult, StageError> {
    let failed = |e: tollgate_store::StoreError| StageError::Failed(e.to_string());
    let store = &ctl.state.store;
    let b = store.job_build(job.id).await.map_err(failed)?;
    let b = b.ok_or_else(|| StageError::Failed("The job's build is gone.".to_owned()))?;
    let mut env = prepare(shared, ctl, job, dir).await?;
    if let Some(sealed) = &b.previous_state {
        let state = ctl.state.settings.secret_box.open(sealed).map_err(|e| {
            StageError::Failed(format!("The previous build's Terraform state cannot be read: {e}"))
        })?;
        std::fs::write(dir.join("terraform.tfstate"), state)
            .map_err(|e| StageError::Failed(e.to_string()))?;
    }
    let values: Vec<api::WorkspaceBuildParameter> =
        serde_json::from_value(b.parameters.clone()).unwrap_or_default();
    env.extend(params::env(&values, &[]));
    env.extend(workspace_env(ctl, &b).await);
    init(ctl, dir, &env).await?;
    let (stage, verb) = match b.transition {
        BuildTransition::Start => ("Starting workspace", "apply"),
        BuildTransition::Stop => ("Stopping workspace", "apply"),
        BuildTransition::Delete => ("Destroying workspace", "destroy"),
    };
    terraform::run(
        ctl,
        dir,
        &env,
        stage,
        &[verb, "-auto-approve", "-input=false", "-no-color"],
        false,
    )
    .await?;
    // The state holds the agents' tokens in the clear: it is stored sealed, as provider keys are.
    let state = std::fs::read_to_string(dir.join("terraform.tfstate")).unwrap_or_default();
    let state = ctl.state.settings.secret_box.seal(&state);
    let now = ctl.state.clock.now();
    let mut tree = if b.transition == BuildTransition::Delete {
        store::WorkspaceBuild {
            id: b.build_id,
            build_number: b.build_number,
            transition: b.transition,
            document: store::TerraformDocument::State,
            has_ai_task: false,
            has_external_agent: false,
            created_at: now,
            resources: Vec::new(),
        }
    } else {
        let json = terraform::run(ctl, dir, &env, "Graphing", &["show", "-json"], true).await?;
        let dot =
            terraform::run(ctl, dir, &env, "Graphing", &["graph", "-type=plan"], true).await?;
        let conversion = convert(json, dot).await?;
        workspace_build::build(&conversion, now).map_err(StageError::Failed)?
    };
    tree.transition = b.transition;
    Ok(store::BuildResult { tree, state })
}

/// The `CODER_WORKSPACE_*` variables Coder's provisioner sets for a build.
async fn workspace_env(ctl: &Ctl, b: &store::JobBuild) -> Vec<(String, String)> {
    let store = &ctl.state.store;
    let owner = store.get_user(b.owner_id).await.ok().flatten();
    let version = match b.template_version_id {
        Some(v) => store.get_template_version(v).await.ok().flatten(),
        None => None,
    };
    let template = match version.as_ref().and_then(|v| v.template_id) {
        Some(t) => store.get_template(t).await.ok().flatten(),
        None => None,
    };
    let mut env = vec![
        ("CODER_WORKSPACE_TRANSITION", b.transition.as_str().to_owned()),
        ("CODER_WORKSPACE_NAME", b.workspace_name.clone()),
        ("CODER_WORKSPACE_ID", b.workspace_id.to_string()),
        ("CODER_WORKSPACE_BUILD_ID", b.build_id.to_string()),
        ("CODER_WORKSPACE_OWNER_ID", b.owner_id.to_string()),
        (
            "CODER_WORKSPACE_TEMPLATE_ID",
            template.as_ref().map(|t| t.id.to_string()).unwrap_or_default(),
        ),
        (
            "CODER_WORKSPACE_TEMPLATE_NAME",
            template.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        ),
        (
            "CODER_WORKSPACE_TEMPLATE_VERSION",
            version.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        ),
    ];
    if let Some(owner) = owner {
        env.push(("CODER_WORKSPACE_OWNER", owner.username.clone()));
        env.push(("CODER_WORKSPACE_OWNER_NAME", owner.name.clone()));
        env.push(("CODER_WORKSPACE_OWNER_EMAIL", owner.email.clone()));
    }
    env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
