//! Title regeneration: one LLM call, billed like any other, its cost recorded in the ledger.

use super::providers::{ModelChoiceError, model_for};
use crate::state::AppState;
use crate::wire::chats as chat_wire;
use tollgate_core::title_from_text;
use tollgate_llm::{CompletionRequest, Message, collect};
use tollgate_store::{Chat, MessageRole, NewChatMessage, StoreError};

const INSTRUCTION: &str = "Write a title of at most six words for a conversation that starts with the message below. Answer with the title only.";

/// Why a title could not be regenerated.
#[derive(Debug)]
pub enum TitleError {
    Model(ModelChoiceError),
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
    let request = CompletionRequest {
        model: model.model.clone(),
        messages: vec![Message::system(INSTRUCTION), Message::user(opening)],
        max_output_tokens: Some(32),
        temperature: None,
    };
    let stream = provider.stream(request).await.map_err(|e| TitleError::Provider(e.to_string()))?;
    let (completion, error) = collect(stream).await;
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
    super::billing::count_billed(&state.metrics, call.total_cost);
    // Whatever was billed is recorded, even when the call then failed.
    let title = match error {
        Some(_) => chat.title.clone(),
        None => title_from_text(completion.text.trim().trim_matches('"')),
    };
    let updated = state.store.record_title(chat.id, &title, call).await?;
    match error {
        Some(e) => Err(TitleError::Provider(e.to_string())),
        None => Ok(updated),
    }
}
