//! What must always hold (safety), and what must sometimes happen (so that the model is not
//! vacuous: the paths the safety properties guard are really reached).

use crate::db::decide;
use crate::model::AccountingModel;
use crate::state::{ChatStatus, State};
use stateright::Property;
use tollgate_core::Reservation;

pub const LEDGER_WITHIN_LIMIT: &str = "the ledger stays within every user's limit";
pub const BILLED_WITHIN_LIMIT: &str = "what the provider billed stays within every user's limit";
pub const BILLED_COVERED: &str =
    "every billed micro is in the ledger or in a live reservation's progress";
pub const NOTHING_LOST: &str = "once all is settled, the ledger holds all that was billed";
pub const ONE_ANSWER: &str = "a chat's answer is saved at most once";

pub const ANSWERED: &str = "a run saves its answer";
pub const REFUSED: &str = "a run is refused by the limit";
pub const ABANDONED: &str = "an abandoned run is settled at its progress";
pub const RERUN: &str = "a chat taken over is claimed again";
pub const FENCED: &str = "a stale run's answer is turned away";
pub const JOURNALED: &str = "a finished run is journaled";
pub const LIMIT_REACHED: &str = "a user's ledger reaches the limit";
pub const WAITS: &str = "a pending chat's run would wait for runs in flight";

/// The `always` properties, in the order the tests report them.
pub const SAFETY: [&str; 5] =
    [LEDGER_WITHIN_LIMIT, BILLED_WITHIN_LIMIT, BILLED_COVERED, NOTHING_LOST, ONE_ANSWER];

/// The `sometimes` properties.
pub const REACHED: [&str; 8] =
    [ANSWERED, REFUSED, ABANDONED, RERUN, FENCED, JOURNALED, LIMIT_REACHED, WAITS];

type M = AccountingModel;

pub fn all() -> Vec<Property<M>> {
    vec![
        Property::always(LEDGER_WITHIN_LIMIT, ledger_within_limit),
        Property::always(BILLED_WITHIN_LIMIT, billed_within_limit),
        Property::always(BILLED_COVERED, billed_covered),
        Property::always(NOTHING_LOST, nothing_lost),
        Property::always(ONE_ANSWER, |_: &M, s: &State| s.db.answers.iter().all(|&n| n <= 1)),
        Property::sometimes(ANSWERED, |_: &M, s: &State| s.db.answers.iter().any(|&n| n > 0)),
        Property::sometimes(REFUSED, |_: &M, s: &State| {
            s.db.chats.iter().any(|c| c.status == ChatStatus::Refused)
        }),
        Property::sometimes(ABANDONED, |_: &M, s: &State| {
            s.db.settlements.iter().any(|x| x.estimate.is_some_and(|e| e > 0))
        }),
        // Claimed (1), requeued (2), claimed again (3): a finished chat stops at 2.
        Property::sometimes(RERUN, |_: &M, s: &State| s.db.chats.iter().any(|c| c.generation >= 3)),
        Property::sometimes(FENCED, |_: &M, s: &State| s.db.stale_answer_dropped),
        Property::sometimes(JOURNALED, |_: &M, s: &State| {
            s.replicas.iter().any(|r| !r.journal.is_empty())
        }),
        Property::sometimes(WAITS, waits),
        Property::sometimes(LIMIT_REACHED, |m: &M, s: &State| s.db.spent.contains(&m.config.limit)),
    ]
}

/// `reserve`'s `Wait` branch is reached: a pending chat that a claim would leave pending.
fn waits(m: &M, s: &State) -> bool {
    (0..m.config.chats()).any(|chat| {
        s.db.chat(chat).status == ChatStatus::Pending
            && matches!(decide(&m.config, &s.db, chat), Reservation::Wait { .. })
    })
}

/// Strict mode's promise (accounting.md §2), on the ledger.
fn ledger_within_limit(m: &M, s: &State) -> bool {
    s.db.spent.iter().all(|&spent| spent <= m.config.limit)
}

/// The same promise on the money really spent.
fn billed_within_limit(m: &M, s: &State) -> bool {
    s.billed.iter().all(|&billed| billed <= m.config.limit)
}

/// accounting.md §5, "nothing the provider billed is dropped on the floor": checked when
/// nothing is in flight, since a run's cost reaches the ledger only when it is settled.
fn nothing_lost(_: &M, s: &State) -> bool {
    !s.quiescent() || s.billed.iter().zip(&s.db.spent).all(|(billed, spent)| spent >= billed)
}

/// The invariant behind "nothing lost": while runs are in flight, what the provider billed is
/// covered by the ledger plus the progress live reservations recorded (a run settled after a
/// takeover cost no more than the estimate the takeover recorded).
fn billed_covered(m: &M, s: &State) -> bool {
    (0..m.config.users).all(|user| {
        let progress = s.db.held_by_user(&m.config, user, |r| r.progress);
        let covered = u16::from(s.db.spent[usize::from(user)]) + u16::from(progress);
        u16::from(s.billed[usize::from(user)]) <= covered
    })
}
