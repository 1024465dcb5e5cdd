//! Devcontainers, agent instances, apps, envs and scripts (spec §4, §5, §6).

use std::collections::{HashMap, HashSet};

use super::attach::{Target, Targets};
use super::{Converter, decode_error};
use crate::decode::{DecodeResult, Fields};
use crate::error::{Error, ErrorKind};
use crate::model::{App, Auth, Devcontainer, Env, Healthcheck, OpenIn, Script, SharingLevel};
use crate::state::StateResource;

impl Converter<'_, '_> {
    /// Every attached agent the devcontainer depends on gets it (no early exit).
    pub(super) fn devcontainers(&mut self) -> Result<(), Error> {
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::new();
        for &a in &self.attached {
            by_id.entry(self.agents[a].id.as_str()).or_default().push(a);
        }
        let by_id: HashMap<String, Vec<usize>> =
            by_id.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        for &res in self.index.of_type("coder_devcontainer") {
            let f = Fields::new(&res.values);
            let decoded = (|| -> DecodeResult<_> {
                Ok((
                    f.string("agent_id")?,
                    Devcontainer {
                        workspace_folder: f.string("workspace_folder")?,
                        config_path: f.string("config_path")?,
                        name: res.name.clone(),
                        id: f.string("id")?,
                        subagent_id: f.string("subagent_id")?,
                        ..Devcontainer::default()
                    },
                ))
            })();
            let (rid, dc) = decoded.map_err(decode_error("devcontainer", res))?;
            let owners: Vec<usize> = if rid.is_empty() {
                let from = format!("{}.{}", res.type_, res.name);
                self.attached
                    .iter()
                    .copied()
                    .filter(|&a| {
                        let agent = &self.agents[a];
                        agent.id.is_empty()
                            && self
                                .graph
                                .has_expand_edge(&from, &format!("coder_agent.{}", agent.name))
                    })
                    .collect()
            } else {
                by_id.get(&rid).cloned().unwrap_or_default()
            };
            for a in owners {
                self.agents[a].devcontainers.push(dc.clone());
            }
        }
        Ok(())
    }

    /// `coder_agent_instance` sets the instance id of an instance-identity agent.
    pub(super) fn agent_instances(&mut self) {
        for &res in self.index.of_type("coder_agent_instance") {
            let text = |k: &str| res.values.get(k).and_then(|v| v.as_str());
            let (Some(agent_id), Some(instance_id)) = (text("agent_id"), text("instance_id"))
            else {
                continue;
            };
            for &a in &self.attached {
                let agent = &mut self.agents[a];
                if agent.id != agent_id || matches!(agent.auth, Auth::Token(_)) {
                    continue;
                }
                agent.auth = Auth::InstanceId(instance_id.to_owned());
                break;
            }
        }
    }

    pub(super) fn apps(&mut self, targets: &Targets) -> Result<(), Error> {
        let mut slugs: HashSet<String> = HashSet::new();
        for &res in self.index.of_type("coder_app") {
            let (rid, mut app) = decode_app(res).map_err(decode_error("app", res))?;
            if !super::agents::is_valid_name(&app.slug, false) {
                return Err(Error::from(ErrorKind::AppSlugInvalid(app.slug)).at(&res.address));
            }
            if !slugs.insert(app.slug.clone()) {
                return Err(Error::from(ErrorKind::DuplicateAppSlug(app.slug)).at(&res.address));
            }
            if app.id.is_empty() {
                app.id = (self.new_app_id)();
            }
            match targets.find(&self.agents, self.graph, &rid, res) {
                Some(Target::Agent(a)) => self.agents[a].apps.push(app),
                Some(Target::Devcontainer(a, d)) => self.agents[a].devcontainers[d].apps.push(app),
                None => {}
            }
        }
        Ok(())
    }

    pub(super) fn envs(&mut self, targets: &Targets) -> Result<(), Error> {
        for &res in self.index.of_type("coder_env") {
            let f = Fields::new(&res.values);
            let decoded = (|| -> DecodeResult<_> {
                let env = Env {
                    name: f.string("name")?,
                    value: f.string("value")?,
                    merge_strategy: f.string("merge_strategy")?,
                };
                Ok((f.string("agent_id")?, env))
            })();
            let (rid, env) = decoded.map_err(decode_error("env", res))?;
            match targets.find(&self.agents, self.graph, &rid, res) {
                Some(Target::Agent(a)) => self.agents[a].extra_envs.push(env),
                Some(Target::Devcontainer(a, d)) => self.agents[a].devcontainers[d].envs.push(env),
                None => {}
            }
        }
        Ok(())
    }

    pub(super) fn scripts(&mut self, targets: &Targets) -> Result<(), Error> {
        for &res in self.index.of_type("coder_script") {
            let (rid, script) = decode_script(res).map_err(decode_error("script", res))?;
            match targets.find(&self.agents, self.graph, &rid, res) {
                Some(Target::Agent(a)) => self.agents[a].scripts.push(script),
                Some(Target::Devcontainer(a, d)) => {
                    self.agents[a].devcontainers[d].scripts.push(script);
                }
                None => {}
            }
        }
        Ok(())
    }
}

fn decode_app(res: &StateResource) -> DecodeResult<(String, App)> {
    let f = Fields::new(&res.values);
    let mut slug = f.string("slug")?;
    if slug.is_empty() {
        slug = res.name.clone();
    }
    let mut display_name = f.string("display_name")?;
    let deprecated_name = f.string("name")?;
    if display_name.is_empty() {
        display_name = if deprecated_name.is_empty() { slug.clone() } else { deprecated_name };
    }
    let healthcheck = f
        .blocks("healthcheck")?
        .iter()
        .map(|h| {
            Ok(Healthcheck {
                url: h.string("url")?,
                interval: h.int32("interval")?,
                threshold: h.int32("threshold")?,
            })
        })
        .collect::<DecodeResult<Vec<_>>>()?
        .into_iter()
        .next();
    let sharing_level = match f.string("share")?.to_lowercase().as_str() {
        "authenticated" => SharingLevel::Authenticated,
        "public" => SharingLevel::Public,
        _ => SharingLevel::Owner,
    };
    let open_in = match f.string("open_in")?.to_lowercase().as_str() {
        "tab" => OpenIn::Tab,
        _ => OpenIn::SlimWindow,
    };
    let app = App {
        slug,
        display_name,
        command: f.string("command")?,
        url: f.string("url")?,
        icon: f.string("icon")?,
        subdomain: f.boolean("subdomain")?,
        healthcheck,
        sharing_level,
        external: f.boolean("external")?,
        order: f.int64("order")?,
        hidden: f.boolean("hidden")?,
        open_in,
        group: f.string("group")?,
        id: f.string("id")?,
        tooltip: f.string("tooltip")?,
    };
    Ok((f.string("agent_id")?, app))
}

fn decode_script(res: &StateResource) -> DecodeResult<(String, Script)> {
    let f = Fields::new(&res.values);
    let script = Script {
        display_name: f.string("display_name")?,
        icon: f.string("icon")?,
        script: f.string("script")?,
        cron: f.string("cron")?,
        start_blocks_login: f.boolean("start_blocks_login")?,
        run_on_start: f.boolean("run_on_start")?,
        run_on_stop: f.boolean("run_on_stop")?,
        timeout_seconds: f.int32("timeout")?,
        log_path: f.string("log_path")?,
    };
    Ok((f.string("agent_id")?, script))
}
