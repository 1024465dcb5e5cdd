use thiserror::Error;

/// What a store operation can fail with. No sqlx type crosses the trait: callers match on these.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The row the operation is about does not exist (the string names what: "user", "group").
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken (the string says which, e.g. "username").
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The operation breaks a rule of the data (e.g. adding a non-member to a group).
    #[error("{0}")]
    Invalid(String),
    /// The database failed or could not be reached.
    #[error("database error: {0}")]
    Database(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
