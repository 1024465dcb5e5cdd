//! The rules of the data that an operation can break. The store refuses such an operation with
//! `Rejected(rule)`; the server turns each rule into its HTTP answer in one place.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// A chat holds at most [`MAX_QUEUED_MESSAGES`](crate::MAX_QUEUED_MESSAGES) queued messages.
    QueueFull,
    /// Archiving a chat that is already archived.
    AlreadyArchived,
    /// Only user messages can be edited.
    OnlyUserMessagesEditable,
    /// A run's message or a title call recorded for another chat than its own.
    MessageOfAnotherChat,
    /// Chat labels must be a JSON object.
    LabelsNotObject,
    /// The Everyone group's members are the organization's members.
    EveryoneGroupMembers,
    /// The Everyone group keeps its name.
    EveryoneGroupRename,
    /// The Everyone group cannot be deleted.
    EveryoneGroupDelete,
    /// Only members of a group's organization can join the group.
    NotOrganizationMember,
    /// A stored limit must be greater than zero.
    LimitNotPositive,
    /// Money (a default limit, a cost) must not be negative.
    NegativeAmount,
    /// A token count beyond the stored range.
    TokenCountOutOfRange,
    /// A page size must be at least 1.
    PageSizeNotPositive,
    /// A list (of resources, agents, apps…) longer than can be stored.
    ListTooLong,
    /// The deployment keeps at least one active owner: the last one cannot be deleted,
    /// suspended or lose the owner role.
    LastOwner,
    /// A workspace runs one build at a time: a new one waits until the latest has ended.
    BuildInProgress,
}

impl Rule {
    /// What the rule says, for logs and for callers without a better sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Rule::QueueFull => "the chat's message queue is full",
            Rule::AlreadyArchived => "the chat is already archived",
            Rule::OnlyUserMessagesEditable => "only user messages can be edited",
            Rule::MessageOfAnotherChat => "the message belongs to another chat",
            Rule::LabelsNotObject => "chat labels must be a JSON object",
            Rule::EveryoneGroupMembers => {
                "the Everyone group's members are the organization's members"
            }
            Rule::EveryoneGroupRename => "the Everyone group cannot be renamed",
            Rule::EveryoneGroupDelete => "the Everyone group cannot be deleted",
            Rule::NotOrganizationMember => "the user is not a member of the group's organization",
            Rule::LimitNotPositive => "a spend limit must be greater than 0",
            Rule::NegativeAmount => "an amount of money must not be negative",
            Rule::TokenCountOutOfRange => "a token count is out of range",
            Rule::PageSizeNotPositive => "a page size must be at least 1",
            Rule::ListTooLong => "a list is longer than can be stored",
            Rule::LastOwner => "the last active owner must stay an active owner",
            Rule::BuildInProgress => "the workspace's latest build has not ended",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.describe())
    }
}
