//! `tollgate models` and `tollgate providers`: what chats can run on, and at what price.

use super::{model, pick};
use crate::client::Client;
use crate::output::{Columns, OutputArgs, print_json, warn};
use anyhow::{Result, bail};
use clap::Subcommand;
use tollgate_api_types as api;

const BASE: &str = "/api/experimental/chats";
const PROVIDERS: &str = "openai, openai-compat, openrouter, anthropic or simulated";

#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// List model configs with their prices (owners also see disabled ones).
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Add a model config. Prices are dollars per 1M tokens, as plain numbers.
    #[command(after_help = "Example:
  tollgate models add openai gpt-4o-mini --input-price 0.15 --output-price 0.6 --default")]
    Add {
        /// The provider that serves it: openai, openai-compat, openrouter, anthropic or
        /// simulated.
        provider: String,
        /// The model's name at the provider, e.g. gpt-4o-mini.
        model: String,
        /// The context window, in tokens.
        #[arg(long, default_value_t = 128_000, value_name = "TOKENS")]
        context_limit: i64,
        /// A name to show instead of the model's name.
        #[arg(long)]
        display_name: Option<String>,
        /// Dollars per 1M input tokens, e.g. 0.15.
        #[arg(long, value_name = "DOLLARS", value_parser = price)]
        input_price: Option<String>,
        /// Dollars per 1M output tokens, e.g. 0.6.
        #[arg(long, value_name = "DOLLARS", value_parser = price)]
        output_price: Option<String>,
        /// Dollars per 1M cached input tokens read.
        #[arg(long, value_name = "DOLLARS", value_parser = price)]
        cache_read_price: Option<String>,
        /// Dollars per 1M input tokens written to the cache.
        #[arg(long, value_name = "DOLLARS", value_parser = price)]
        cache_write_price: Option<String>,
        /// Make it the default model for new chats.
        #[arg(long)]
        default: bool,
    },
    /// Make a model the default for chats that name none.
    Default {
        /// The model, by name (simulated-1), `provider:model` or id.
        model: String,
    },
    /// Remove a model config.
    Rm {
        /// The model, by name (simulated-1), `provider:model` or id.
        model: String,
    },
}

/// A price as typed: a plain decimal number, a `$` in front allowed.
fn price(raw: &str) -> Result<String, String> {
    let digits = raw.trim().strip_prefix('$').unwrap_or(raw.trim());
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let numeric = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if digits.is_empty()
        || (whole.is_empty() && frac.is_empty())
        || !numeric(whole)
        || !numeric(frac)
    {
        return Err(format!(
            "{raw:?} is not a price: give dollars per 1M tokens as a plain number (0.15)\n  \
             hint: in a shell an unquoted `$` reads the digit after it as a variable"
        ));
    }
    Ok(digits.to_owned())
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// List the configured providers (never their keys).
    List {
        #[command(flatten)]
        out: OutputArgs,
    },
    /// Configure a provider. The key is stored encrypted and never shown again.
    Add {
        /// openai, openai-compat, openrouter, anthropic or simulated.
        provider: String,
        /// The provider's API key (prefer TOLLGATE_PROVIDER_API_KEY: a flag shows in the
        /// process list).
        #[arg(long, env = "TOLLGATE_PROVIDER_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        /// Another endpoint for the provider's API, e.g. an OpenAI-compatible server.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Remove a provider and its key.
    Rm {
        /// The provider, by name (openai) or id.
        provider: String,
    },
}

pub async fn models(cmd: ModelsCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        ModelsCommand::List { out } => list_models(&client, out).await,
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
            let default = if c.is_default { ", the default model" } else { "" };
            println!("Added model {} ({}){default}.", c.model, c.provider);
            Ok(())
        }
        ModelsCommand::Default { model: name } => {
            let m = model(&client, &name).await?;
            let req =
                api::UpdateChatModelConfigRequest { is_default: Some(true), ..Default::default() };
            let c: api::ChatModelConfig =
                client.patch(&format!("{BASE}/model-configs/{}", m.id), &req).await?;
            println!("{} ({}) is now the default model.", c.model, c.provider);
            Ok(())
        }
        ModelsCommand::Rm { model: name } => {
            let m = model(&client, &name).await?;
            client.delete(&format!("{BASE}/model-configs/{}", m.id)).await?;
            println!("Removed model {} ({}).", m.model, m.provider);
            if m.is_default {
                warn(&format!(
                    "{} was the default model. Until you choose another with `tollgate models \
                     default NAME`, chats must name one with --model.",
                    m.model
                ));
            }
            Ok(())
        }
    }
}

fn price_text(value: Option<api::ExactDecimal>) -> String {
    value.map_or_else(|| "-".into(), |v| v.0)
}

async fn list_models(client: &Client, out: OutputArgs) -> Result<()> {
    let configs: Vec<api::ChatModelConfig> = client.list(&format!("{BASE}/model-configs")).await?;
    if out.json() {
        return print_json(&configs);
    }
    let header = ["MODEL", "PROVIDER", "INPUT $/1M", "OUTPUT $/1M", "DEFAULT", "ENABLED", "ID"];
    let mut table = Columns::new(&header).right(2).right(3);
    for c in configs {
        let cost = c.model_config.as_ref().and_then(|m| m.cost.clone()).unwrap_or_default();
        table.row([
            c.model,
            c.provider,
            price_text(cost.input_price_per_million_tokens),
            price_text(cost.output_price_per_million_tokens),
            if c.is_default { "yes" } else { "" }.to_owned(),
            if c.enabled { "yes" } else { "no" }.to_owned(),
            c.id.to_string(),
        ]);
    }
    table.print();
    Ok(())
}

async fn provider(client: &Client, name: &str) -> Result<api::ChatProviderConfig> {
    let providers: Vec<api::ChatProviderConfig> = client.list(&format!("{BASE}/providers")).await?;
    pick(
        providers,
        "provider",
        name,
        |p| {
            p.id.to_string() == name
                || p.provider.eq_ignore_ascii_case(name)
                || p.display_name.eq_ignore_ascii_case(name)
        },
        |p| format!("{} ({})", p.provider, p.id),
    )
}

pub async fn providers(cmd: ProvidersCommand) -> Result<()> {
    let client = Client::from_session()?;
    match cmd {
        ProvidersCommand::List { out } => {
            let providers: Vec<api::ChatProviderConfig> =
                client.list(&format!("{BASE}/providers")).await?;
            if out.json() {
                return print_json(&providers);
            }
            let mut table = Columns::new(&["PROVIDER", "KEY", "ENABLED", "BASE URL", "ID"]);
            let empty = "No providers configured (the offline simulated model needs none). \
                         `tollgate providers add openai --api-key KEY` adds one.";
            for p in providers {
                table.row([
                    p.provider,
                    if p.has_api_key { "set" } else { "none" }.to_owned(),
                    if p.enabled { "yes" } else { "no" }.to_owned(),
                    p.base_url.unwrap_or_else(|| "-".into()),
                    p.id.to_string(),
                ]);
            }
            table.print_or(empty);
        }
        ProvidersCommand::Add { provider, api_key, base_url } => {
            if provider.trim().is_empty() {
                bail!("name the provider: {PROVIDERS}");
            }
            let req = api::CreateChatProviderConfigRequest {
                provider,
                api_key,
                base_url,
                ..Default::default()
            };
            let p: api::ChatProviderConfig =
                client.post(&format!("{BASE}/providers"), &req).await?;
            let key = if p.has_api_key { "with its key stored encrypted" } else { "without a key" };
            println!("Configured provider {} {key}.", p.provider);
        }
        ProvidersCommand::Rm { provider: name } => {
            let p = provider(&client, &name).await?;
            client.delete(&format!("{BASE}/providers/{}", p.id)).await?;
            println!("Removed provider {}.", p.provider);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn prices_are_plain_decimals() {
        assert_eq!(super::price("0.15").as_deref(), Ok("0.15"));
        assert_eq!(super::price("$3").as_deref(), Ok("3"));
        assert_eq!(super::price("0.075").as_deref(), Ok("0.075"));
        for bad in ["", "$", "abc", "1.2.3", "."] {
            assert!(super::price(bad).is_err(), "{bad}");
        }
    }
}
