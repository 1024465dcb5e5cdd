//! The chat state machine, as tables: every row is one situation and what must change.

use tollgate_core::lifecycle::{
    ChatFacts, EditRefused, Placement, SendPlan, StatusChange, Transition, edit, finish, interrupt,
    promote, refuse, send,
};
use tollgate_core::{ChatStatus, MAX_QUEUED_MESSAGES, MessageRole, Rule, RunOutcome, RunRef};

use ChatStatus::{Error, Pending, Running, Waiting};

fn facts(status: ChatStatus, worker: Option<&str>, rerun: bool, queued: i64) -> ChatFacts {
    ChatFacts {
        status,
        worker_id: worker.map(str::to_owned),
        generation: 7,
        rerun_requested: rerun,
        queued,
    }
}

fn run(generation: i64) -> RunRef {
    RunRef { worker: "me".to_owned(), generation }
}

fn to(status: ChatStatus) -> Transition {
    Transition { status: Some(StatusChange::to(status)), ..Transition::none() }
}

fn promote_and_run() -> Transition {
    Transition { promote_head: true, ..to(Pending) }
}

#[test]
fn send_runs_idle_chats_and_queues_busy_ones() {
    let max = MAX_QUEUED_MESSAGES;
    let cases: Vec<(ChatFacts, Result<SendPlan, Rule>)> = vec![
        // Idle with an empty queue: straight into the history.
        (
            facts(Waiting, None, false, 0),
            Ok(SendPlan { transition: to(Pending), placement: Placement::History }),
        ),
        (
            facts(Error, None, false, 0),
            Ok(SendPlan { transition: to(Pending), placement: Placement::History }),
        ),
        // Busy: queued, nothing else changes.
        (
            facts(Pending, None, false, 0),
            Ok(SendPlan { transition: Transition::none(), placement: Placement::Queue }),
        ),
        (
            facts(Running, Some("w"), false, 3),
            Ok(SendPlan { transition: Transition::none(), placement: Placement::Queue }),
        ),
        // Idle with a queue (left so by an interrupt): the head runs first, FIFO.
        (
            facts(Waiting, None, false, 2),
            Ok(SendPlan { transition: promote_and_run(), placement: Placement::Queue }),
        ),
        // Full: a busy chat at the maximum refuses; an idle one promotes a slot free first.
        (
            facts(Running, Some("w"), false, max - 1),
            Ok(SendPlan { transition: Transition::none(), placement: Placement::Queue }),
        ),
        (facts(Running, Some("w"), false, max), Err(Rule::QueueFull)),
        (
            facts(Waiting, None, false, max),
            Ok(SendPlan { transition: promote_and_run(), placement: Placement::Queue }),
        ),
        (facts(Waiting, None, false, max + 1), Err(Rule::QueueFull)),
    ];
    for (f, want) in cases {
        assert_eq!(send(&f), want, "{f:?}");
    }
}

#[test]
fn edit_takes_user_messages_only() {
    assert_eq!(edit(Some(MessageRole::User)), Ok(to(Pending)));
    assert_eq!(edit(None), Err(EditRefused::NoSuchMessage));
    for role in [MessageRole::Assistant, MessageRole::System, MessageRole::Tool] {
        assert_eq!(edit(Some(role)), Err(EditRefused::Broken(Rule::OnlyUserMessagesEditable)));
    }
}

#[test]
fn promote_runs_idle_chats_and_reruns_busy_ones() {
    let cases = [
        (Waiting, to(Pending)),
        (Error, to(Pending)),
        (Running, Transition { request_rerun: true, ..Transition::none() }),
        (Pending, Transition::none()),
    ];
    for (status, want) in cases {
        assert_eq!(promote(&facts(status, None, false, 0)), want, "{status}");
    }
}

#[test]
fn interrupt_rests_the_chat() {
    assert_eq!(interrupt(), to(Waiting));
}

#[test]
fn finish_hands_over_to_the_queue_or_rests() {
    let ok = RunOutcome::Succeeded;
    let failed = RunOutcome::Failed { error: "boom".to_owned() };
    let error = Transition {
        status: Some(StatusChange { status: Error, last_error: Some("boom".to_owned()) }),
        ..Transition::none()
    };
    let cases: Vec<(ChatFacts, &RunOutcome, Transition)> = vec![
        // The run still owns the chat.
        (facts(Running, Some("me"), false, 0), &ok, to(Waiting)),
        (facts(Running, Some("me"), false, 0), &failed, error),
        (facts(Running, Some("me"), false, 2), &ok, promote_and_run()),
        (facts(Running, Some("me"), false, 2), &failed, promote_and_run()),
        (facts(Running, Some("me"), true, 0), &ok, to(Pending)),
        (facts(Running, Some("me"), true, 0), &failed, to(Pending)),
        // Interrupted to waiting: the queue head still runs, else the chat rests as it is.
        (facts(Waiting, None, false, 1), &ok, promote_and_run()),
        (facts(Waiting, None, false, 0), &ok, Transition::none()),
        (facts(Waiting, None, true, 0), &failed, Transition::none()),
        // Someone else's now: taken over, edited to pending, or failed and errored.
        (facts(Running, Some("other"), false, 3), &ok, Transition::none()),
        (facts(Pending, None, false, 3), &ok, Transition::none()),
        (facts(Error, None, false, 3), &ok, Transition::none()),
    ];
    for (f, outcome, want) in cases {
        assert_eq!(finish(&f, &run(7), outcome), want, "{f:?} {outcome:?}");
    }
}

/// A run whose claim was taken over (a later generation) is fenced: whatever the chat looks
/// like, it changes nothing, even when the same worker holds the new claim.
#[test]
fn a_stale_run_changes_nothing() {
    for status in [Waiting, Pending, Running, Error] {
        for queued in [0, 2] {
            let f = facts(status, Some("me"), true, queued);
            for outcome in [RunOutcome::Succeeded, RunOutcome::Failed { error: "x".into() }] {
                assert_eq!(finish(&f, &run(6), &outcome), Transition::none(), "{f:?}");
            }
        }
    }
}

#[test]
fn a_refused_run_rests_the_chat_in_error() {
    let t = refuse("Chat usage limit exceeded.");
    assert_eq!(
        t.status.map(|s| (s.status, s.last_error)),
        Some((Error, Some("Chat usage limit exceeded.".to_owned())))
    );
    assert!(!t.promote_head && !t.request_rerun, "the queue stays");
}

#[test]
fn statuses_and_roles_round_trip_as_text() {
    for s in [Waiting, Pending, Running, Error] {
        assert_eq!(s.as_str().parse::<ChatStatus>(), Ok(s));
    }
    for r in [MessageRole::System, MessageRole::User, MessageRole::Assistant, MessageRole::Tool] {
        assert_eq!(r.as_str().parse::<MessageRole>(), Ok(r));
    }
    assert!("paused".parse::<ChatStatus>().is_err());
}
