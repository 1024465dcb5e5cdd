//! Site-wide roles a user can hold. Every user is implicitly a `member`.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Owner,
    UserAdmin,
    Auditor,
    TemplateAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}: use owner, user-admin, auditor or template-admin")]
pub struct UnknownRole(pub String);

impl Role {
    pub const ALL: [Role; 4] = [Role::Owner, Role::UserAdmin, Role::Auditor, Role::TemplateAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::UserAdmin => "user-admin",
            Role::Auditor => "auditor",
            Role::TemplateAdmin => "template-admin",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::UserAdmin => "User Admin",
            Role::Auditor => "Auditor",
            Role::TemplateAdmin => "Template Admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownRole(s.to_owned()))
    }
}
