//! What every handler and the chat daemon share.

use crate::events::EventHub;
use crate::metrics::Metrics;
use crate::ratelimit::LoginLimiter;
use crate::secrets::SecretBox;
use crate::services::config_cache::{self, ConfigCache};
use crate::services::providers::Providers;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};
use tollgate_core::{Clock, Enforcement};
use tollgate_store::Store;

/// What an admission point does when the limit lookup itself fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LimitFailureMode {
    /// Allow the action, log a warning and count it (Coder's behaviour).
    #[default]
    Open,
    /// Refuse with 503.
    Closed,
}

/// Operator settings of a server.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Largest workspace-creation body (a Terraform state or plan plus its graph), in bytes.
    pub max_terraform_bytes: usize,
    /// Terraform conversions run at once: each holds its document and its converted build in
    /// memory (a few times the body), so this bounds what workspace creation can use.
    pub terraform_conversions: usize,
    /// How long a workspace creation waits for a conversion slot before it is answered 503.
    pub terraform_wait: Duration,
    /// Failed logins allowed per email per minute.
    pub login_attempts_per_minute: u32,
    pub limit_failure_mode: LimitFailureMode,
    /// Strict (reserve before every call; the default) or Coder's check-then-write.
    pub limit_enforcement: Enforcement,
    /// Encrypts provider API keys at rest.
    pub secret_box: SecretBox,
    pub chat: ChatSettings,
    pub webhooks: WebhookSettings,
    pub provisioner: crate::provisioner::ProvisionerSettings,
}

/// How limit events are delivered to webhooks (limits-plus §6).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Refuse webhook URLs (and deliveries) to loopback, private and link-local addresses.
    pub deny_private: bool,
    /// How often the outbox is looked at when nothing wakes it.
    pub poll_interval: Duration,
    /// One attempt's time limit (connect, send, answer).
    pub timeout: Duration,
    /// The wait after the first failure; each further failure doubles it, up to `max_backoff`.
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// An event still undelivered this long after it was written is given up on.
    pub give_up_after: Duration,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        WebhookSettings {
            deny_private: false,
            poll_interval: Duration::from_secs(1),
            timeout: Duration::from_secs(10),
            first_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(600),
            give_up_after: Duration::from_secs(72 * 3600),
        }
    }
}

/// How the chat daemon runs.
#[derive(Debug, Clone)]
pub struct ChatSettings {
    /// Whether this server runs the daemon (it always serves the API).
    pub run_daemon: bool,
    /// This replica's id: it holds the runs and reservations this replica makes, and a
    /// restarted replica with the same id takes over what it left behind at once. Unique per
    /// replica; stable across restarts when configured.
    pub worker_id: String,
    /// How often a running chat's heartbeat is refreshed (and interruption noticed).
    pub heartbeat_interval: Duration,
    /// The fastest a provider streams, in output tokens a second. Each heartbeat records a
    /// run's progress as what it may have cost by the next one, so that a run cut off by a
    /// crash between two heartbeats is still settled at no less than the provider billed.
    pub stream_rate_bound: u32,
    /// A run whose heartbeat is older than this is taken over: its reservation is settled at
    /// its recorded progress and its chat given back to `pending` (`--stale-run-timeout`).
    pub stale_after: Duration,
    /// How often the daemon looks for pending chats when not woken.
    pub poll_interval: Duration,
    /// Pause between the simulated provider's deltas.
    pub simulated_delta_delay: Duration,
    /// An upstream that sends nothing for this long has failed.
    pub provider_idle_timeout: Duration,
    /// At shutdown, how long to wait for runs in flight before cutting them off.
    pub drain_timeout: Duration,
    /// The output cap of a model that sets none.
    pub default_max_output_tokens: u32,
    /// Where a finished run's result goes when the database cannot take it before shutdown; it is
    /// replayed at the next start. `None`: no journal (the result is lost, its reservation is
    /// settled at its recorded progress).
    pub journal_dir: Option<std::path::PathBuf>,
}

impl Default for ChatSettings {
    fn default() -> Self {
        ChatSettings {
            run_daemon: true,
            worker_id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            heartbeat_interval: Duration::from_secs(2),
            stream_rate_bound: 1_000,
            stale_after: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            simulated_delta_delay: Duration::from_millis(10),
            provider_idle_timeout: Duration::from_secs(120),
            drain_timeout: Duration::from_secs(30),
            default_max_output_tokens: 4096,
            journal_dir: None,
        }
    }
}

impl ChatSettings {
    /// A reservation's or a run's lease: how long it stands without a heartbeat before a sweep
    /// may settle it (`--stale-run-timeout`).
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.stale_after).unwrap_or(chrono::Duration::seconds(30))
    }

    /// How long a heartbeat's write may take before the run stops streaming (its progress
    /// unrecorded): two intervals, so a database slowed by load does not cut answers short.
    pub fn heartbeat_write_deadline(&self) -> Duration {
        self.heartbeat_interval * 2
    }

    /// What may stream between a heartbeat's tick and the latest moment the next beat is
    /// written or the stream stopped (the next tick, then the write deadline), in tokens.
    pub fn lookahead_tokens(&self) -> u32 {
        let window = self.heartbeat_interval + self.heartbeat_write_deadline();
        let millis = window.as_millis().max(1);
        let tokens = (u128::from(self.stream_rate_bound) * millis).div_ceil(1000);
        u32::try_from(tokens).unwrap_or(u32::MAX)
    }
}

impl Settings {
    /// Settings with a given secret key (hex); every other field at its default.
    pub fn with_secret_box(secret_box: SecretBox) -> Self {
        Settings {
            max_body_bytes: 1024 * 1024,
            max_terraform_bytes: 32 * 1024 * 1024,
            terraform_conversions: 2,
            terraform_wait: Duration::from_secs(10),
            login_attempts_per_minute: 10,
            limit_failure_mode: LimitFailureMode::Open,
            limit_enforcement: Enforcement::Strict,
            secret_box,
            chat: ChatSettings::default(),
            webhooks: WebhookSettings::default(),
            provisioner: crate::provisioner::ProvisionerSettings::default(),
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<Store>,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    pub login_limiter: Arc<LoginLimiter>,
    pub metrics: Arc<Metrics>,
    pub events: Arc<EventHub>,
    /// Wakes this replica's daemon when a chat becomes pending here.
    pub wake: Arc<Notify>,
    /// Builds provider clients (keys, one shared HTTP client, timeouts).
    pub providers: Arc<Providers>,
    /// The model configs, default organization and provider clients the gateway reads, kept
    /// for a second (`services::config_cache`).
    pub config: Arc<ConfigCache>,
    /// Slots for Terraform conversions (`Settings::terraform_conversions`).
    pub conversions: Arc<Semaphore>,
    /// Whether the database answers, as the outage watchdog last saw it (true without one).
    pub database_up: Arc<tokio::sync::watch::Sender<bool>>,
}

impl AppState {
    pub fn new(store: Arc<Store>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let login_limiter = Arc::new(LoginLimiter::new(settings.login_attempts_per_minute));
        let providers = Arc::new(Providers {
            secret_box: settings.secret_box.clone(),
            http: tollgate_llm::ProviderOptions::default()
                .http_client()
                .unwrap_or_else(|_| reqwest::Client::new()),
            options: tollgate_llm::ProviderOptions {
                idle_timeout: settings.chat.provider_idle_timeout,
                simulated_delta_delay: settings.chat.simulated_delta_delay,
                ..tollgate_llm::ProviderOptions::default()
            },
        });
        let conversions = Arc::new(Semaphore::new(settings.terraform_conversions.max(1)));
        AppState {
            conversions,
            store,
            clock,
            settings: Arc::new(settings),
            login_limiter,
            metrics: Arc::new(Metrics::default()),
            events: Arc::new(EventHub::default()),
            wake: Arc::new(Notify::new()),
            providers,
            config: Arc::new(ConfigCache::new(config_cache::DEFAULT_TTL)),
            database_up: Arc::new(tokio::sync::watch::Sender::new(true)),
        }
    }
}
