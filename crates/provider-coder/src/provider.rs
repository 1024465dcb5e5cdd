//! The `tfplugin6.Provider` service: decode what Terraform sends, hand it to the resource or
//! data source it names, encode the answer.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use tonic::{Request, Response, Status};

use crate::diag::{Diags, attribute_path};
use crate::lifecycle;
use crate::proto::tfplugin6::{self as tf, provider_server};
use crate::resource::{Ctx, DataSource, Resource};
use crate::schema::{Block, Schema, string};
use crate::value::{Value, from_json, from_msgpack, to_msgpack};
use crate::{data_sources, resources};

/// The access URL Coder's provider falls back to when neither `url` nor `CODER_AGENT_URL` is set.
pub const DEFAULT_URL: &str = "https://mydeployment.coder.com";

struct ProviderConfig {
    url_text: String,
    url: url::Url,
}

/// The provider: its resources and data sources with their schemas, and its configuration.
pub struct CoderProvider {
    resources: BTreeMap<&'static str, (Box<dyn Resource>, Schema)>,
    data_sources: BTreeMap<&'static str, (Box<dyn DataSource>, Schema)>,
    config: Arc<RwLock<ProviderConfig>>,
}

impl Default for CoderProvider {
    fn default() -> Self {
        Self::new()
    }
}

impl CoderProvider {
    pub fn new() -> Self {
        let resources = resources::all().into_iter().map(|r| (r.type_name(), (r.schema(), r)));
        let data = data_sources::all().into_iter().map(|d| (d.type_name(), (d.schema(), d)));
        let fallback = std::env::var("CODER_AGENT_URL").unwrap_or_else(|_| DEFAULT_URL.into());
        let config = parse_url(&fallback)
            .or_else(|_| parse_url(DEFAULT_URL))
            .expect("the default access URL parses");
        CoderProvider {
            resources: resources.map(|(k, (s, r))| (k, (r, s))).collect(),
            data_sources: data.map(|(k, (s, d))| (k, (d, s))).collect(),
            config: Arc::new(RwLock::new(config)),
        }
    }

    fn resource(&self, name: &str) -> Result<&(Box<dyn Resource>, Schema), Status> {
        self.resources
            .get(name)
            .ok_or_else(|| Status::invalid_argument(format!("unknown resource type {name:?}")))
    }

    fn data_source(&self, name: &str) -> Result<&(Box<dyn DataSource>, Schema), Status> {
        self.data_sources
            .get(name)
            .ok_or_else(|| Status::invalid_argument(format!("unknown data source {name:?}")))
    }

    /// Run `f` with the provider's context (configured URL, the process environment).
    fn with_ctx<T>(&self, f: impl FnOnce(&Ctx<'_>) -> T) -> T {
        let config = self.config.read().unwrap_or_else(|e| e.into_inner());
        let ctx = Ctx { url: &config.url, url_text: &config.url_text, env: &process_env };
        f(&ctx)
    }

    pub fn provider_schema() -> Schema {
        Schema { version: 0, block: Block::new(vec![string("url")]) }
    }

    fn capabilities() -> tf::ServerCapabilities {
        tf::ServerCapabilities { plan_destroy: true, ..Default::default() }
    }
}

fn process_env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

fn parse_url(text: &str) -> Result<ProviderConfig, String> {
    if text.is_empty() {
        return Err(format!("CODER_AGENT_URL must not be empty; got {text:?}"));
    }
    let url = url::Url::parse(text).map_err(|e| format!("invalid url {text:?}: {e}"))?;
    Ok(ProviderConfig { url_text: text.to_owned(), url })
}

fn decode(value: Option<&tf::DynamicValue>) -> Result<Value, Status> {
    let Some(v) = value else { return Ok(Value::Null) };
    if !v.msgpack.is_empty() {
        return from_msgpack(&v.msgpack).map_err(Status::invalid_argument);
    }
    if !v.json.is_empty() {
        let json: serde_json::Value =
            serde_json::from_slice(&v.json).map_err(|e| Status::invalid_argument(e.to_string()))?;
        return Ok(from_json(&json));
    }
    Ok(Value::Null)
}

fn encode(value: &Value) -> Option<tf::DynamicValue> {
    Some(tf::DynamicValue { msgpack: to_msgpack(value), json: Vec::new() })
}

type Answer<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl provider_server::Provider for CoderProvider {
    async fn get_metadata(
        &self,
        _: Request<tf::get_metadata::Request>,
    ) -> Answer<tf::get_metadata::Response> {
        use tf::get_metadata::{DataSourceMetadata, ResourceMetadata};
        Ok(Response::new(tf::get_metadata::Response {
            server_capabilities: Some(Self::capabilities()),
            data_sources: self
                .data_sources
                .keys()
                .map(|k| DataSourceMetadata { type_name: (*k).into() })
                .collect(),
            resources: self
                .resources
                .keys()
                .map(|k| ResourceMetadata { type_name: (*k).into() })
                .collect(),
            diagnostics: Vec::new(),
        }))
    }

    async fn get_provider_schema(
        &self,
        _: Request<tf::get_provider_schema::Request>,
    ) -> Answer<tf::get_provider_schema::Response> {
        let schemas = |m: Vec<(&&'static str, &Schema)>| {
            m.into_iter().map(|(k, s)| ((*k).to_owned(), s.to_proto())).collect()
        };
        Ok(Response::new(tf::get_provider_schema::Response {
            provider: Some(Self::provider_schema().to_proto()),
            resource_schemas: schemas(self.resources.iter().map(|(k, (_, s))| (k, s)).collect()),
            data_source_schemas: schemas(
                self.data_sources.iter().map(|(k, (_, s))| (k, s)).collect(),
            ),
            server_capabilities: Some(Self::capabilities()),
            ..Default::default()
        }))
    }

    async fn validate_provider_config(
        &self,
        request: Request<tf::validate_provider_config::Request>,
    ) -> Answer<tf::validate_provider_config::Response> {
        let config = decode(request.get_ref().config.as_ref())?;
        let mut diags = Diags::new();
        if let Some(url) = config.get("url").as_str()
            && let Err(e) = parse_url(url)
        {
            diags.push_attr_error(&["url"], e);
        }
        Ok(Response::new(tf::validate_provider_config::Response { diagnostics: diags.into_vec() }))
    }

    async fn validate_resource_config(
        &self,
        request: Request<tf::validate_resource_config::Request>,
    ) -> Answer<tf::validate_resource_config::Response> {
        let req = request.get_ref();
        let (resource, _) = self.resource(&req.type_name)?;
        let mut diags = Diags::new();
        resource.validate(&decode(req.config.as_ref())?, &mut diags);
        Ok(Response::new(tf::validate_resource_config::Response { diagnostics: diags.into_vec() }))
    }

    async fn validate_data_resource_config(
        &self,
        request: Request<tf::validate_data_resource_config::Request>,
    ) -> Answer<tf::validate_data_resource_config::Response> {
        let req = request.get_ref();
        let (source, _) = self.data_source(&req.type_name)?;
        let mut diags = Diags::new();
        source.validate(&decode(req.config.as_ref())?, &mut diags);
        Ok(Response::new(tf::validate_data_resource_config::Response {
            diagnostics: diags.into_vec(),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        request: Request<tf::upgrade_resource_state::Request>,
    ) -> Answer<tf::upgrade_resource_state::Response> {
        let req = request.get_ref();
        let (_, schema) = self.resource(&req.type_name)?;
        let raw = req.raw_state.as_ref().map(|r| r.json.as_slice()).unwrap_or_default();
        let (upgraded_state, diagnostics) = match lifecycle::upgrade(schema, req.version, raw) {
            Ok(state) => (encode(&state), Vec::new()),
            Err(diags) => (None, diags.into_vec()),
        };
        Ok(Response::new(tf::upgrade_resource_state::Response { upgraded_state, diagnostics }))
    }

    async fn configure_provider(
        &self,
        request: Request<tf::configure_provider::Request>,
    ) -> Answer<tf::configure_provider::Response> {
        let config = decode(request.get_ref().config.as_ref())?;
        let text = match config.get("url").as_str() {
            Some(url) => url.to_owned(),
            None => std::env::var("CODER_AGENT_URL").unwrap_or_else(|_| DEFAULT_URL.into()),
        };
        let diagnostics = match parse_url(&text) {
            Ok(parsed) => {
                *self.config.write().unwrap_or_else(|e| e.into_inner()) = parsed;
                Vec::new()
            }
            Err(e) => Diags::error(e).into_vec(),
        };
        Ok(Response::new(tf::configure_provider::Response { diagnostics }))
    }

    async fn read_resource(
        &self,
        request: Request<tf::read_resource::Request>,
    ) -> Answer<tf::read_resource::Response> {
        let req = request.get_ref();
        let (resource, schema) = self.resource(&req.type_name)?;
        let current = decode(req.current_state.as_ref())?;
        let result = self.with_ctx(|ctx| lifecycle::read(resource.as_ref(), schema, &current, ctx));
        let (new_state, diagnostics) = split(result);
        Ok(Response::new(tf::read_resource::Response {
            new_state,
            diagnostics,
            private: req.private.clone(),
            deferred: None,
        }))
    }

    async fn plan_resource_change(
        &self,
        request: Request<tf::plan_resource_change::Request>,
    ) -> Answer<tf::plan_resource_change::Response> {
        let req = request.get_ref();
        let (_, schema) = self.resource(&req.type_name)?;
        let prior = decode(req.prior_state.as_ref())?;
        let proposed = decode(req.proposed_new_state.as_ref())?;
        let planned = lifecycle::plan(schema, &prior, &proposed);
        Ok(Response::new(tf::plan_resource_change::Response {
            planned_state: encode(&planned.state),
            requires_replace: planned.requires_replace.iter().map(|p| attribute_path(p)).collect(),
            planned_private: req.prior_private.clone(),
            diagnostics: Vec::new(),
            legacy_type_system: true,
            deferred: None,
        }))
    }

    async fn apply_resource_change(
        &self,
        request: Request<tf::apply_resource_change::Request>,
    ) -> Answer<tf::apply_resource_change::Response> {
        let req = request.get_ref();
        let (resource, schema) = self.resource(&req.type_name)?;
        let prior = decode(req.prior_state.as_ref())?;
        let planned = decode(req.planned_state.as_ref())?;
        let result =
            self.with_ctx(|ctx| lifecycle::apply(resource.as_ref(), schema, &prior, &planned, ctx));
        let (new_state, diagnostics) = split(result);
        Ok(Response::new(tf::apply_resource_change::Response {
            new_state,
            private: req.planned_private.clone(),
            diagnostics,
            legacy_type_system: true,
        }))
    }

    async fn import_resource_state(
        &self,
        request: Request<tf::import_resource_state::Request>,
    ) -> Answer<tf::import_resource_state::Response> {
        let req = request.get_ref();
        let (_, schema) = self.resource(&req.type_name)?;
        let imported = tf::import_resource_state::ImportedResource {
            type_name: req.type_name.clone(),
            state: encode(&lifecycle::import(schema, &req.id)),
            private: Vec::new(),
        };
        Ok(Response::new(tf::import_resource_state::Response {
            imported_resources: vec![imported],
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        request: Request<tf::read_data_source::Request>,
    ) -> Answer<tf::read_data_source::Response> {
        let req = request.get_ref();
        let (source, schema) = self.data_source(&req.type_name)?;
        let config = decode(req.config.as_ref())?;
        let result =
            self.with_ctx(|ctx| lifecycle::read_data(source.as_ref(), schema, &config, ctx));
        let (state, diagnostics) = split(result);
        Ok(Response::new(tf::read_data_source::Response { state, diagnostics, deferred: None }))
    }

    async fn stop_provider(
        &self,
        _: Request<tf::stop_provider::Request>,
    ) -> Answer<tf::stop_provider::Response> {
        // Every operation finishes at once; there is nothing in flight to stop.
        Ok(Response::new(tf::stop_provider::Response::default()))
    }
}

fn split(result: Result<Value, Diags>) -> (Option<tf::DynamicValue>, Vec<tf::Diagnostic>) {
    match result {
        Ok(value) => (encode(&value), Vec::new()),
        Err(diags) => (None, diags.into_vec()),
    }
}
