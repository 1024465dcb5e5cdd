//! Title regeneration: one LLM call, billed like any other, its cost recorded in the ledger.

use super::providers::provider_for;
use super::run::token_usage;
use crate::chat_wire;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::http::StatusCode;
use tollgate_core::{message_cost, title_from_text};
use tollgate_llm::{CompletionRequest, Message, collect};
use tollgate_store::{Chat, MessageRole, NewChatMessage};

const INSTRUCTION: &str = "Write a title of at most six words for a conversation that starts with the message below. Answer with the title only.";

pub async fn regenerate(state: &AppState, chat: &Chat) -> ApiResult<Chat> {
    let model = crate::routes::chats::model_for(state, chat.last_model_config_id).await?;
    let provider = provider_for(state, &model).await.map_err(unavailable)?;
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
    let stream = provider.stream(request).await.map_err(|e| unavailable(e.to_string()))?;
    let (completion, error) = collect(stream).await;
    let usage = completion.usage.map(token_usage);
    let cost = message_cost(model.prices.as_ref(), usage.as_ref())
        .map_err(|e| ApiError::internal("title cost", e))?;
    let title = title_from_text(completion.text.trim().trim_matches('"'));
    let call = NewChatMessage {
        chat_id: chat.id,
        created_by: None,
        model_config_id: Some(model.id),
        role: MessageRole::Assistant,
        content: chat_wire::text_content(&completion.text),
        usage,
        total_cost: cost,
        created_at: state.clock.now(),
    };
    // Whatever was billed is recorded, even when the call then failed.
    let keep_title = if error.is_some() { chat.title.clone() } else { title };
    let updated = state.store.record_title(chat.id, &keep_title, call).await?;
    if let Some(e) = error {
        return Err(unavailable(e.to_string()));
    }
    Ok(updated)
}

fn unavailable(reason: String) -> ApiError {
    ApiError::new(StatusCode::BAD_GATEWAY, "Title generation failed.").with_detail(reason)
}
