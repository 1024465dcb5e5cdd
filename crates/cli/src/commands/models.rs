//! `tollgate models` and `tollgate providers`: what chats can run on, and at what price.

use crate::client::Client;
use anyhow::Result;
use clap::Subcommand;
use tollgate_api_types as api;

const BASE: &str = "/api/experimental/chats";

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List model configs (owners see disabled ones too).
    List,
    /// Add a model config. Prices are USD per 1M tokens.
    Add {
        /// openai, openai-compat, openrouter, anthropic or simulated.
        provider: String,
        model: String,
        #[arg(long, default_value_t = 128_000)]
        context_limit: i64,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long)]
        input_price: Option<String>,
        #[arg(long)]
        output_price: Option<String>,
        #[arg(long)]
        cache_read_price: Option<String>,
        #[arg(long)]
        cache_write_price: Option<String>,
        /// Make it the default model.
        #[arg(long)]
        default: bool,
    },
    /// Remove a model config.
    Rm { id: uuid::Uuid },
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    List,
    /// Configure a provider. The key is stored encrypted and never shown again.
    Add {
        provider: String,
        #[arg(long, env = "TOLLGATE_PROVIDER_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        #[arg(long)]
        base_url: Option<String>,
    },
    Rm {
        id: uuid::Uuid,
    },
}

pub async fn models(cmd: ModelsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        ModelsCommand::List => {
            let configs: Vec<api::ChatModelConfig> =
                client.get(&format!("{BASE}/model-configs")).await?;
            println!(
                "{:<38} {:<14} {:<24} {:>9} {:>9} FLAGS",
                "ID", "PROVIDER", "MODEL", "IN $/1M", "OUT $/1M"
            );
            for c in configs {
                let cost = c.model_config.as_ref().and_then(|m| m.cost.clone()).unwrap_or_default();
                let show = |v: Option<api::ExactDecimal>| v.map_or_else(|| "-".into(), |v| v.0);
                let flags = [(c.is_default, "default"), (!c.enabled, "disabled")]
                    .iter()
                    .filter(|(on, _)| *on)
                    .map(|(_, f)| *f)
                    .collect::<Vec<_>>()
                    .join(",");
                println!(
                    "{:<38} {:<14} {:<24} {:>9} {:>9} {flags}",
                    c.id,
                    c.provider,
                    c.model,
                    show(cost.input_price_per_million_tokens),
                    show(cost.output_price_per_million_tokens)
                );
            }
        }
        ModelsCommand::Add {
            provider,
            model,
            context_limit,
            display_name,
            input_price,
            output_price,
            cache_read_price,
            cache_write_price,
            default,
        } => {
            let price = |p: Option<String>| p.map(api::ExactDecimal);
            let cost = api::ChatModelCost {
                input_price_per_million_tokens: price(input_price),
                output_price_per_million_tokens: price(output_price),
                cache_read_price_per_million_tokens: price(cache_read_price),
                cache_write_price_per_million_tokens: price(cache_write_price),
            };
            let req = api::CreateChatModelConfigRequest {
                provider,
                model,
                display_name,
                enabled: Some(true),
                is_default: Some(default),
                context_limit: Some(context_limit),
                model_config: Some(api::ChatModelCallConfig {
                    cost: Some(cost),
                    ..Default::default()
                }),
            };
            let c: api::ChatModelConfig =
                client.post(&format!("{BASE}/model-configs"), &req).await?;
            println!(
                "Added model {} ({}){}.",
                c.model,
                c.id,
                if c.is_default { ", the default" } else { "" }
            );
        }
        ModelsCommand::Rm { id } => {
            client.delete(&format!("{BASE}/model-configs/{id}")).await?;
            println!("Removed model config {id}.");
        }
    }
    Ok(())
}

pub async fn providers(cmd: ProvidersCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        ProvidersCommand::List => {
            let providers: Vec<api::ChatProviderConfig> =
                client.get(&format!("{BASE}/providers")).await?;
            for p in providers {
                let key = if p.has_api_key { "key set" } else { "no key" };
                println!(
                    "{:<38} {:<14} {key:<8} {}",
                    p.id,
                    p.provider,
                    p.base_url.unwrap_or_default()
                );
            }
        }
        ProvidersCommand::Add { provider, api_key, base_url } => {
            let req = api::CreateChatProviderConfigRequest {
                provider,
                api_key,
                base_url,
                ..Default::default()
            };
            let p: api::ChatProviderConfig =
                client.post(&format!("{BASE}/providers"), &req).await?;
            println!("Configured provider {} ({}).", p.provider, p.id);
        }
        ProvidersCommand::Rm { id } => {
            client.delete(&format!("{BASE}/providers/{id}")).await?;
            println!("Removed provider {id}.");
        }
    }
    Ok(())
}
