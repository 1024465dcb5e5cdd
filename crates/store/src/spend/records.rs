//! Spend-limit configuration and overrides as the store reads and writes them.

use crate::Time;
use tollgate_core::{
    EffectiveLimit, Enforcement, LimitConfig, Micros, Period, PeriodLimits, Prices, RunBound,
    Thresholds, TokenUsage, Window,
};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct LimitConfigRecord {
    pub config: LimitConfig,
    /// The default's limit at each period (limits-plus §1); at the deployment period, the
    /// default limit when enabled.
    pub windows: PeriodLimits,
    /// The thresholds that write an event (limits-plus §6).
    pub notify_at_percent: Thresholds,
    pub updated_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserLimit {
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub avatar_url: String,
    /// The limit at the deployment period (Coder's `spend_limit_micros`).
    pub limit: Micros,
    /// The limit at each period, `limit` at the deployment period's.
    pub windows: PeriodLimits,
    pub updated_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GroupLimitRecord {
    pub group_id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub display_name: String,
    pub avatar_url: String,
    /// System users excluded.
    pub member_count: i64,
    /// The limit at the deployment period (Coder's `spend_limit_micros`).
    pub limit: Micros,
    /// The limit at each period, `limit` at the deployment period's.
    pub windows: PeriodLimits,
    pub updated_at: Time,
}

/// What a ledger row records the cost of (accounting.md §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CostSource {
    ChatMessage,
    Title,
    Gateway,
    /// A run cut off by a crash or taken over, settled at its recorded progress (or the late
    /// correction of such an estimate once the real cost is known).
    AbandonedRun,
}

impl CostSource {
    pub fn as_str(self) -> &'static str {
        match self {
            CostSource::ChatMessage => "chat_message",
            CostSource::Title => "title",
            CostSource::Gateway => "gateway",
            CostSource::AbandonedRun => "abandoned_run",
        }
    }
}

impl std::str::FromStr for CostSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "chat_message" => Ok(CostSource::ChatMessage),
            "title" => Ok(CostSource::Title),
            "gateway" => Ok(CostSource::Gateway),
            "abandoned_run" => Ok(CostSource::AbandonedRun),
            other => Err(format!("unknown cost source {other:?}")),
        }
    }
}

/// One LLM call's cost as the ledger records it.
#[derive(Debug, Clone, PartialEq)]
pub struct LedgerEntry {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub source: CostSource,
    pub chat_id: Option<Uuid>,
    pub message_id: Option<i64>,
    pub api_key_id: Option<String>,
    pub model_config_id: Option<Uuid>,
    pub usage: Option<TokenUsage>,
    /// `None` = unpriced.
    pub cost: Option<Micros>,
    /// Settled from recorded progress, not from the provider's usage.
    pub estimated: bool,
    /// The provider reported more than the reservation allowed.
    pub overrun: bool,
    pub reservation_id: Option<Uuid>,
    pub created_at: Time,
}

/// The limits that apply to a user and where their windows stand, reservations counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitStanding {
    /// The binding window (least remaining; ties: shortest period) and its limit.
    pub limit: EffectiveLimit,
    pub window: Window,
    /// Every window with a limit, shortest period first (the binding one among them).
    pub windows: Vec<(EffectiveLimit, Window)>,
}

/// A call about to be made outside the chat daemon (a title, a gateway request).
#[derive(Debug, Clone)]
pub struct CallSpec {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub source: CostSource,
    pub chat_id: Option<Uuid>,
    pub api_key_id: Option<String>,
    /// The key's own limit (gateway.md §2), enforced with the owner's.
    pub key_limit: Option<crate::KeyLimit>,
    pub model_config_id: Option<Uuid>,
    pub prices: Option<Prices>,
    /// A bound on the call's input tokens.
    pub input_tokens: u64,
    pub max_output_tokens: u32,
    /// What the call may stream before it first records progress: a call cut off before then
    /// is settled at that (`u32::MAX` for a call that records none: all it may cost).
    pub lookahead_tokens: u32,
    /// The replica holding the reservation.
    pub holder: String,
    pub lease_until: Time,
    pub at: Time,
    /// Strict reserves and may refuse; check only tracks the call.
    pub enforcement: Enforcement,
}

/// A reservation granted: the call may cost at most `amount` and ask for `max_output_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub reservation_id: Uuid,
    pub amount: Micros,
    pub max_output_tokens: u32,
    pub bound: RunBound,
    /// What the tightest window has left once this reservation is taken, and when it resets
    /// (limits-plus §3); `None` when no limit applies.
    pub headroom: Option<(Micros, Time)>,
}

/// Why a call may not start: what the refusing window has used and promised, its limit, when it
/// resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The refusing window's period (unknown for refusals stored before windows).
    pub period: Option<Period>,
    pub spent: Micros,
    pub limit: Micros,
    pub resets_at: Time,
}

/// What a sweep settled: reservations whose lease expired and the chats given back to `pending`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sweep {
    pub settled: u64,
    pub requeued: u64,
    /// What the settlements added to the ledger.
    pub recorded: Micros,
}

/// A counter that disagrees with the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterMismatch {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    pub day: i64,
    pub counter: Micros,
    pub ledger: Micros,
}

/// A reservation that belongs to no live call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanReservation {
    pub id: Uuid,
    pub user_id: Uuid,
    pub amount: Micros,
    pub why: &'static str,
}

/// What `verify_ledger` found (and, with repair, fixed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerReport {
    pub counters_checked: u64,
    pub counter_mismatches: Vec<CounterMismatch>,
    pub key_counter_mismatches: Vec<KeyCounterMismatch>,
    pub orphan_reservations: Vec<OrphanReservation>,
    pub repaired: bool,
}

impl LedgerReport {
    pub fn is_consistent(&self) -> bool {
        self.counter_mismatches.is_empty()
            && self.key_counter_mismatches.is_empty()
            && self.orphan_reservations.is_empty()
    }
}

/// An API key's day counter (its cap's window) that disagrees with the ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyCounterMismatch {
    pub api_key_id: String,
    pub day: i64,
    pub counter: Micros,
    pub ledger: Micros,
}
