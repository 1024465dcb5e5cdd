//! Title regeneration: one LLM call, reserved for (strict mode) and billed like any other, its
//! cost recorded in the ledger.

use super::providers::{ModelChoiceError, model_for};
use super::spend::{AdmissionRefused, refused_reservation};
use crate::state::AppState;
use crate::wire::chats as chat_wire;
use tollgate_core::title_from_text;
use tollgate_llm::{CompletionRequest, Message, collect};
use tollgate_store::{
    CallSpec, Chat, CostSource, Grant, MessageRole, ModelConfig, NewChatMessage, StoreError,
};

const INSTRUCTION: &str = "Write a title of at most six words for a conversation that starts with the message below. Answer with the title only.";

/// The most a title may say.
const TITLE_TOKENS: u32 = 32;

/// Why a title could not be regenerated.
#[derive(Debug)]
pub enum TitleError {
    Model(ModelChoiceError),
    /// The limit cannot pay for the call.
    Refused(AdmissionRefused),
    /// The provider could not be called or failed; what it billed is recorded all the same.
    Provider(String),
    Store(StoreError),
}

impl From<StoreError> for TitleError {
    fn from(e: StoreError) -> Self {
        TitleError::Store(e)
    }
}

pub async fn regenerate(state: &AppState, chat: &Chat) -> Result<Chat, TitleError> {
    let model =
        model_for(&state.store, chat.last_model_config_id).await.map_err(TitleError::Model)?;
    let provider =
        state.providers.provider_for(&state.store, &model).await.map_err(TitleError::Provider)?;
    let first = state
        .store
        .messages_after(chat.id, 0)
        .await?
        .into_iter()
        .find(|m| m.role == MessageRole::User);
    let opening = first.map(|m| chat_wire::text_of(&m.content)).unwrap_or_default();
    let grant = reserve(state, chat, &model, INSTRUCTION.len() + opening.len()).await?;
    let request = CompletionRequest {
        model: model.model.clone(),
        messages: vec![Message::system(INSTRUCTION), Message::user(opening)],
        max_output_tokens: Some(grant.max_output_tokens.min(TITLE_TOKENS)),
        temperature: None,
        ..CompletionRequest::default()
    };
    let (completion, error) = match provider.stream(request).await {
        Ok(stream) => collect(stream).await,
        Err(e) => {
            // Refused before answering: nothing was billed, so the reservation settles at nothing.
            state.store.release_call(grant.reservation_id).await?;
            return Err(TitleError::Provider(e.to_string()));
        }
    };
    let usage = completion.usage.map(super::billing::token_usage);
    let call = NewChatMessage {
        chat_id: chat.id,
        created_by: None,
        model_config_id: Some(model.id),
        role: MessageRole::Assistant,
        content: chat_wire::text_content(&completion.text),
        usage,
        total_cost: super::billing::cost(&state.metrics, &model, usage.as_ref(), chat.id),
        created_at: state.clock.now(),
    };
    // Whatever was billed is recorded (and the reservation settled), even when the call failed.
    let title = match error {
        Some(_) => chat.title.clone(),
        None => title_from_text(completion.text.trim().trim_matches('"')),
    };
    let (updated, recorded) =
        state.store.record_title(chat.id, &title, call, Some(grant.reservation_id)).await?;
    super::billing::count_billed(&state.metrics, Some(recorded));
    match error {
        Some(e) => Err(TitleError::Provider(e.to_string())),
        None => Ok(updated),
    }
}

/// The call's reservation (in check mode, a hold that only tracks it), or the refusal.
async fn reserve(
    state: &AppState,
    chat: &Chat,
    model: &ModelConfig,
    prompt_bytes: usize,
) -> Result<Grant, TitleError> {
    let now = state.clock.now();
    let spec = CallSpec {
        user_id: chat.owner_id,
        organization_id: chat.organization_id,
        source: CostSource::Title,
        chat_id: Some(chat.id),
        api_key_id: None,
        key_limit: None,
        model_config_id: Some(model.id),
        prices: model.prices,
        input_tokens: tollgate_core::input_tokens_bound([prompt_bytes, 0]),
        max_output_tokens: TITLE_TOKENS,
        // A title records no progress: cut off, it is settled at all it may cost.
        lookahead_tokens: u32::MAX,
        holder: state.settings.chat.worker_id.clone(),
        lease_until: now + state.settings.chat.lease(),
        at: now,
        enforcement: state.settings.limit_enforcement,
    };
    state
        .store
        .reserve_call(&spec)
        .await?
        .map_err(|refusal| TitleError::Refused(refused_reservation(state, refusal, now)))
}
