//! Spend-limit configuration and overrides as the store reads and writes them.

use crate::Time;
use tollgate_core::{LimitConfig, Micros};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct LimitConfigRecord {
    pub config: LimitConfig,
    pub updated_at: Time,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserLimit {
    pub user_id: Uuid,
    pub username: String,
    pub name: String,
    pub avatar_url: String,
    pub limit: Micros,
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
    pub limit: Micros,
    pub updated_at: Time,
}
