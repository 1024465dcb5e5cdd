//! A metered call made for a client outside the chat daemon (the gateway, gateway.md §2): reserved
//! under the user's spend lock before the provider is called (the store's `reserve_call`, as
//! titles use it), its progress recorded beside the stream, and settled once (`settle_call`):
//! from the provider's usage when it finished, or — when the client went away, or the provider
//! failed mid-answer — at what was streamed (accounting.md §5). A call dropped anywhere between
//! its reservation and its settlement is settled by its `Drop`, so no reservation is left behind.

use super::billing;
use super::spend::{AdmissionRefused, Headroom, check_admission, refused_reservation};
use crate::state::AppState;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::task::JoinHandle;
use tollgate_core::Enforcement;
use tollgate_llm::{Completion, StreamEvent};
use tollgate_store::{CallSpec, CostSource, Grant, KeyLimit, LedgerEntry, ModelConfig, StoreError};
use uuid::Uuid;

/// Who a call is for and what it may cost at most before the reservation.
pub struct CallFor {
    pub user_id: Uuid,
    pub organization_id: Uuid,
    /// The API key (or session token) the client presented.
    pub api_key_id: String,
    /// The key's own limit, if it has one.
    pub key_limit: Option<KeyLimit>,
    pub model: ModelConfig,
    /// The input's size in bytes (every message), for its token bound.
    pub input_bytes: Vec<usize>,
    /// The output tokens the client asked for (already capped by the model).
    pub max_output_tokens: u32,
}

#[derive(Debug)]
pub enum MeterError {
    Refused(AdmissionRefused),
    Store(StoreError),
}

impl From<StoreError> for MeterError {
    fn from(e: StoreError) -> Self {
        MeterError::Store(e)
    }
}

/// A reserved call in flight. Feed it every event the provider sends (`observe`), then `finish`
/// it; dropped unfinished, it settles at what was streamed.
pub struct Metered {
    state: AppState,
    call: CallFor,
    grant: Grant,
    headroom: Option<Headroom>,
    streamed: Arc<AtomicU64>,
    completion: Completion,
    beat: JoinHandle<()>,
    settled: bool,
}

/// Reserves for `call` (strict), or checks then tracks it (check mode): `Err` is the refusal.
pub async fn reserve(state: &AppState, call: CallFor) -> Result<Metered, MeterError> {
    let mut checked = None;
    if state.settings.limit_enforcement == Enforcement::Check {
        // Coder's check-then-write: the fast check refuses; the hold below only tracks the call.
        checked = check_admission(state, call.user_id, call.organization_id)
            .await
            .map_err(MeterError::Refused)?;
    }
    let now = state.clock.now();
    let spec = CallSpec {
        user_id: call.user_id,
        organization_id: call.organization_id,
        source: CostSource::Gateway,
        chat_id: None,
        api_key_id: Some(call.api_key_id.clone()),
        key_limit: call.key_limit,
        model_config_id: Some(call.model.id),
        prices: call.model.prices,
        input_tokens: tollgate_core::input_tokens_bound(call.input_bytes.iter().copied()),
        max_output_tokens: call.max_output_tokens,
        lookahead_tokens: state.settings.chat.lookahead_tokens(),
        holder: state.settings.chat.worker_id.clone(),
        lease_until: now + state.settings.chat.lease(),
        at: now,
        enforcement: state.settings.limit_enforcement,
    };
    let grant = state
        .store
        .reserve_call(&spec)
        .await?
        .map_err(|refusal| MeterError::Refused(refused_reservation(state, refusal, now)))?;
    if state.settings.limit_enforcement == Enforcement::Strict {
        // Check mode counted its own answer.
        state.metrics.admission("allowed");
    }
    let headroom =
        grant.headroom.map(|(remaining, resets_at)| Headroom { remaining, resets_at }).or(checked);
    let streamed = Arc::new(AtomicU64::new(0));
    let beat = tokio::spawn(heartbeat(state.clone(), grant, streamed.clone()));
    Ok(Metered {
        state: state.clone(),
        call,
        grant,
        headroom,
        streamed,
        completion: Completion::default(),
        beat,
        settled: false,
    })
}

/// Beside the stream: records the call's progress (what it may have cost by the next beat) and
/// extends its lease, so another replica's sweep does not settle a live call, and a crash
/// settles it at no less than the provider billed.
async fn heartbeat(state: AppState, grant: Grant, streamed: Arc<AtomicU64>) {
    let every = state.settings.chat.heartbeat_interval;
    let lookahead = state.settings.chat.lookahead_tokens();
    loop {
        tokio::time::sleep(every).await;
        let bytes = streamed.load(Ordering::Relaxed);
        let Ok(progress) =
            tollgate_core::progress(&grant.bound, bytes, lookahead, grant.max_output_tokens)
        else {
            return;
        };
        let until = state.clock.now() + state.settings.chat.lease();
        if let Err(e) = state.store.renew_reservation(grant.reservation_id, progress, until).await {
            tracing::warn!(error = %e, "could not record a gateway call's progress");
        }
    }
}

impl Metered {
    /// The output tokens the provider may be asked for: what the reservation pays for.
    pub fn max_output_tokens(&self) -> u32 {
        self.grant.max_output_tokens
    }

    /// What the user has left after this reservation, when a limit applies.
    pub fn headroom(&self) -> Option<Headroom> {
        self.headroom
    }

    /// The call's id (its reservation's), for answer ids and logs.
    pub fn id(&self) -> Uuid {
        self.grant.reservation_id
    }

    pub fn completion(&self) -> &Completion {
        &self.completion
    }

    /// Counts what the provider sent.
    pub fn observe(&mut self, event: &StreamEvent) {
        let bytes = match event {
            StreamEvent::TextDelta(t) | StreamEvent::ReasoningDelta(t) => t.len(),
            StreamEvent::ToolCallStart { id, name, .. } => id.len() + name.len(),
            StreamEvent::ToolCallDelta { arguments, .. } => arguments.len(),
            StreamEvent::Usage(_) | StreamEvent::Done { .. } => 0,
        };
        self.streamed.fetch_add(bytes as u64, Ordering::Relaxed);
        self.completion.apply(event.clone());
    }

    /// Settles the call: from the provider's usage when it finished, else at what was streamed.
    /// The settle runs as a task of its own, so a client that goes away meanwhile (dropping
    /// this future) cannot cut it off and leave the reservation held.
    pub async fn finish(mut self) {
        let entry = self.entry();
        self.settled = true;
        self.beat.abort();
        let _ = tokio::spawn(settle(self.state.clone(), entry)).await;
    }

    /// The provider refused before answering: nothing was billed, the reservation settles at
    /// nothing (in a task of its own, as `finish`).
    pub async fn release(mut self) {
        self.settled = true;
        self.beat.abort();
        let (store, id) = (self.state.store.clone(), self.grant.reservation_id);
        let released = tokio::spawn(async move { store.release_call(id).await }).await;
        if let Ok(Err(e)) = released {
            tracing::warn!(error = %e, "could not release a gateway call's reservation");
        }
    }

    /// The ledger row of this call as it stands.
    fn entry(&self) -> LedgerEntry {
        let usage = self.completion.usage.map(billing::token_usage);
        let real = match (self.completion.is_done(), usage.as_ref()) {
            (true, Some(usage)) => {
                Some(billing::cost(&self.state.metrics, &self.call.model, Some(usage), self.id()))
            }
            _ => None,
        };
        let estimated = real.is_none();
        let cost = match real {
            Some(cost) => cost,
            None => {
                let bytes = self.streamed.load(Ordering::Relaxed);
                let max = self.grant.max_output_tokens;
                // Cut off: the input bound and one token per streamed byte (accounting.md §5).
                tollgate_core::progress(&self.grant.bound, bytes, 0, max)
                    .ok()
                    .or(Some(self.grant.amount))
            }
        };
        LedgerEntry {
            user_id: self.call.user_id,
            organization_id: self.call.organization_id,
            source: CostSource::Gateway,
            chat_id: None,
            message_id: None,
            api_key_id: Some(self.call.api_key_id.clone()),
            model_config_id: Some(self.call.model.id),
            usage,
            cost,
            estimated,
            overrun: false,
            reservation_id: Some(self.grant.reservation_id),
            created_at: self.state.clock.now(),
        }
    }
}

impl Drop for Metered {
    /// The client went away (the answer's future or body was dropped): the provider call is
    /// cancelled with it, and what was streamed is settled.
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        self.beat.abort();
        let entry = self.entry();
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn(settle(self.state.clone(), entry));
        }
    }
}

async fn settle(state: AppState, entry: LedgerEntry) {
    let reservation = entry.reservation_id;
    match state.store.settle_call(entry).await {
        Ok(recorded) => billing::count_billed(&state.metrics, Some(recorded)),
        // Left to the sweep: the reservation settles at its recorded progress.
        Err(e) => {
            tracing::warn!(reservation_id = ?reservation, error = %e, "could not settle a gateway call")
        }
    }
}
