//! AI tasks, external auth providers and external agents (spec §9.3).

use std::collections::BTreeMap;

use serde_json::Value;

use super::Converter;
use crate::decode::{DecodeResult, Fields};
use crate::error::{Error, ErrorKind};
use crate::model::{AiTask, ExternalAuthProvider, SidebarApp};

impl Converter<'_, '_> {
    pub(super) fn ai_tasks(&self) -> Result<Vec<AiTask>, Error> {
        let mut tasks = Vec::with_capacity(self.index.ai_tasks.len());
        for &res in &self.index.ai_tasks {
            let f = Fields::new(&res.values);
            let decoded = (|| -> DecodeResult<_> {
                let sidebar = f.blocks("sidebar_app")?;
                let sidebar_ids =
                    sidebar.iter().map(|s| s.string("id")).collect::<DecodeResult<Vec<_>>>()?;
                Ok((f.string("id")?, f.string("app_id")?, sidebar_ids.into_iter().next()))
            })();
            let (id, mut app_id, sidebar_id) = decoded.map_err(|detail| {
                let err = ErrorKind::Decode { kind: "coder_ai_task", detail };
                Error::from(err).at(&res.address)
            })?;
            if app_id.is_empty() {
                app_id = sidebar_id.unwrap_or_default();
            }
            tasks.push(AiTask { id, sidebar_app: SidebarApp { id: app_id.clone() }, app_id });
        }
        Ok(tasks)
    }

    /// Legacy `coder_git_auth`, then `coder_external_auth`; a later id wins; sorted by id.
    pub(super) fn external_auth(&self) -> Result<Vec<ExternalAuthProvider>, Error> {
        let mut providers: BTreeMap<String, ExternalAuthProvider> = BTreeMap::new();
        let all = self
            .index
            .of_type("coder_git_auth")
            .iter()
            .chain(self.index.of_type("coder_external_auth"));
        for &res in all {
            let Some(Value::String(id)) = res.values.get("id") else {
                return Err(Error::from(ErrorKind::ExternalAuthId).at(&res.address));
            };
            let optional = matches!(res.values.get("optional"), Some(Value::Bool(true)));
            providers.insert(id.clone(), ExternalAuthProvider { id: id.clone(), optional });
        }
        Ok(providers.into_values().collect())
    }

    pub(super) fn has_external_agents(&self) -> bool {
        self.graph
            .labels()
            .any(|l| l.starts_with("coder_external_agent.") || l.contains(".coder_external_agent."))
    }
}
