//! Small pure rules of chats.

/// A chat's title from its first message: the first six words, at most 80 characters
/// (cut with "…"), or "New Chat" when there are no words.
pub fn title_from_text(text: &str) -> String {
    const MAX_WORDS: usize = 6;
    const MAX_CHARS: usize = 80;
    let words: Vec<&str> = text.split_whitespace().take(MAX_WORDS).collect();
    if words.is_empty() {
        return "New Chat".to_owned();
    }
    let title = words.join(" ");
    if title.chars().count() <= MAX_CHARS {
        return title;
    }
    let cut: String = title.chars().take(MAX_CHARS - 1).collect();
    format!("{}…", cut.trim_end())
}
