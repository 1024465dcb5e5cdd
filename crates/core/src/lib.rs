//! tollgate's domain core: money, spend periods, limit resolution, the cost formula, spend
//! accounting and the chat state machine.
//!
//! Architecture invariant: this crate does no IO and knows nothing of HTTP or SQL. Everything here
//! is a pure function of its inputs (time comes in through [`Clock`]), so it is tested with tables.

mod accounting;
mod alerts;
mod chat;
mod clock;
mod cost;
mod dry_run;
mod identity;
pub mod lifecycle;
mod limits;
mod money;
mod period;
mod role;
mod rule;
mod windows;

pub use accounting::{
    Admission, Enforcement, Reservation, RunBound, Standing, Window, admit, admit_windows,
    counter_after, day_of, days_of, input_tokens_bound, progress, reserve, settle, stored_amount,
    stored_limit, stored_tokens, total_from_parts,
};
pub use alerts::{Alert, AlertKind, Thresholds, ThresholdsError, reached};
pub use chat::title_from_text;
pub use clock::{Clock, FixedClock, SystemClock};
pub use cost::{CostError, Price, PriceError, Prices, TokenUsage, message_cost};
pub use dry_run::{Blocked, DryRun, LimitSet, UserSpend, dry_run};
pub use identity::{UsernameError, validate_username};
pub use lifecycle::{ChatStatus, MAX_QUEUED_MESSAGES, MessageRole, RunOutcome, RunRef};
pub use limits::{
    EffectiveLimit, GroupLimit, GroupPolicy, LimitConfig, LimitSource, SpendScope, resolve_limit,
};
pub use money::{Micros, MicrosError};
pub use period::{Period, PeriodBounds, UnknownPeriod};
pub use role::{Role, UnknownRole};
pub use rule::Rule;
pub use windows::{
    Candidate, PeriodLimits, WindowChanges, binding, candidates, forecast_exhaustion, refusing,
};
