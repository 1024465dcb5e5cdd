//! Which limit applies to a user: their own override, else a group limit chosen by the group
//! policy, else the deployment default, else none. The store resolves this in one SQL statement;
//! this is the reference the store's conformance suite is checked against.

use crate::{Micros, Period};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// How the limits of a user's several groups combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GroupPolicy {
    /// The strictest group wins (Coder's rule).
    #[default]
    Lowest,
    /// The most generous group wins (the rule of Coder's later AI Gateway budgets).
    Highest,
}

impl GroupPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupPolicy::Lowest => "lowest",
            GroupPolicy::Highest => "highest",
        }
    }
}

impl fmt::Display for GroupPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GroupPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lowest" => Ok(GroupPolicy::Lowest),
            "highest" => Ok(GroupPolicy::Highest),
            other => Err(format!("unknown group policy {other:?}: use lowest or highest")),
        }
    }
}

/// The deployment-wide configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitConfig {
    pub enabled: bool,
    pub default_limit: Micros,
    pub period: Period,
    pub group_policy: GroupPolicy,
}

impl Default for LimitConfig {
    /// What a new deployment has: limits switched off.
    fn default() -> Self {
        LimitConfig {
            enabled: false,
            default_limit: Micros::ZERO,
            period: Period::Month,
            group_policy: GroupPolicy::Lowest,
        }
    }
}

/// A limit set on one group the user belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupLimit {
    pub group_id: Uuid,
    pub organization_id: Uuid,
    pub limit: Micros,
}

/// Where the effective limit came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitSource {
    Disabled,
    User,
    Group,
    Default,
}

impl LimitSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitSource::Disabled => "disabled",
            LimitSource::User => "user",
            LimitSource::Group => "group",
            LimitSource::Default => "default",
        }
    }
}

impl FromStr for LimitSource {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "disabled" => Ok(LimitSource::Disabled),
            "user" => Ok(LimitSource::User),
            "group" => Ok(LimitSource::Group),
            "default" => Ok(LimitSource::Default),
            other => Err(format!("unknown limit source {other:?}")),
        }
    }
}

/// Which chats' spend counts against a limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendScope {
    /// Every chat the user owns, in any organization.
    AllOrganizations,
    /// Only the user's chats in this organization.
    Organization(Uuid),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EffectiveLimit {
    pub source: LimitSource,
    /// `None` exactly when `source` is `Disabled`.
    pub limit: Option<Micros>,
    /// The group whose limit won, when `source` is `Group`.
    pub group_id: Option<Uuid>,
    pub period: Period,
}

impl EffectiveLimit {
    pub fn unlimited(period: Period) -> Self {
        EffectiveLimit { source: LimitSource::Disabled, limit: None, group_id: None, period }
    }

    /// A group limit is an organization's budget, so only that organization's chats count
    /// against it. A user or default limit is personal: counting per organization would let a
    /// user in N organizations spend N times the limit.
    pub fn spend_scope(&self, organization: Option<Uuid>) -> SpendScope {
        match (self.source, organization) {
            (LimitSource::Group, Some(org)) => SpendScope::Organization(org),
            _ => SpendScope::AllOrganizations,
        }
    }
}

/// Resolves the limit for a user from the config, their override and the limits of the groups
/// they belong to, restricted to `organization`'s groups when one is given.
pub fn resolve_limit(
    config: &LimitConfig,
    user_override: Option<Micros>,
    groups: &[GroupLimit],
    organization: Option<Uuid>,
) -> EffectiveLimit {
    let period = config.period;
    if !config.enabled {
        return EffectiveLimit::unlimited(period);
    }
    if let Some(limit) = user_override {
        return EffectiveLimit {
            source: LimitSource::User,
            limit: Some(limit),
            group_id: None,
            period,
        };
    }
    let in_scope = groups.iter().filter(|g| organization.is_none_or(|o| g.organization_id == o));
    // Ties go to the smallest group id so the answer (and the group reported) is deterministic.
    let winner = match config.group_policy {
        GroupPolicy::Lowest => in_scope.min_by_key(|g| (g.limit, g.group_id)),
        GroupPolicy::Highest => in_scope.min_by_key(|g| (std::cmp::Reverse(g.limit), g.group_id)),
    };
    match winner {
        Some(g) => EffectiveLimit {
            source: LimitSource::Group,
            limit: Some(g.limit),
            group_id: Some(g.group_id),
            period,
        },
        None => EffectiveLimit {
            source: LimitSource::Default,
            limit: Some(config.default_limit),
            group_id: None,
            period,
        },
    }
}
