//! The PostgreSQL store (in progress).

use crate::{StoreError, StoreResult};

/// A [`Store`](crate::Store) on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore;

impl PostgresStore {
    pub async fn connect(_url: &str) -> StoreResult<Self> {
        Err(StoreError::Invalid("PostgreSQL support is not built yet".to_owned()))
    }
}
