//! Reading a row's columns without naming the backend, so that row → record assembly is written
//! once. Each backend implements [`ReadRow`] with its own encodings (SQLite: uuid TEXT, times
//! INTEGER micros; PostgreSQL: uuid, timestamptz); the other columns decode alike.

use crate::{StoreResult, Time};
use uuid::Uuid;

pub(crate) trait ReadRow {
    fn text(&self, col: &str) -> StoreResult<String>;
    fn opt_text(&self, col: &str) -> StoreResult<Option<String>>;
    fn int(&self, col: &str) -> StoreResult<i32>;
    fn bigint(&self, col: &str) -> StoreResult<i64>;
    fn opt_bigint(&self, col: &str) -> StoreResult<Option<i64>>;
    fn opt_float(&self, col: &str) -> StoreResult<Option<f64>>;
    fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>>;
    fn flag(&self, col: &str) -> StoreResult<bool>;
    fn uuid(&self, col: &str) -> StoreResult<Uuid>;
    fn opt_uuid(&self, col: &str) -> StoreResult<Option<Uuid>>;
    fn time(&self, col: &str) -> StoreResult<Time>;
    fn opt_time(&self, col: &str) -> StoreResult<Option<Time>>;
}

/// The [`ReadRow`] methods whose columns both backends decode the same way, through the
/// backend's `get` (in scope where this expands).
macro_rules! plain_reads {
    () => {
        fn text(&self, col: &str) -> StoreResult<String> {
            get(self, col)
        }
        fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
            get(self, col)
        }
        fn int(&self, col: &str) -> StoreResult<i32> {
            get(self, col)
        }
        fn bigint(&self, col: &str) -> StoreResult<i64> {
            get(self, col)
        }
        fn opt_bigint(&self, col: &str) -> StoreResult<Option<i64>> {
            get(self, col)
        }
        fn opt_float(&self, col: &str) -> StoreResult<Option<f64>> {
            get(self, col)
        }
        fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>> {
            get(self, col)
        }
        fn flag(&self, col: &str) -> StoreResult<bool> {
            get(self, col)
        }
    };
}

pub(crate) use plain_reads;
