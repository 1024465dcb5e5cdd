use tollgate_core::{UsernameError, validate_username};

#[test]
fn usernames_follow_coders_rule() {
    for ok in ["a", "alice", "Alice-Bob", "a1-b2-c3", &"x".repeat(32)] {
        assert_eq!(validate_username(ok), Ok(()), "{ok}");
    }
    assert_eq!(validate_username(""), Err(UsernameError::Length));
    assert_eq!(validate_username(&"x".repeat(33)), Err(UsernameError::Length));
    for bad in ["-a", "a-", "a--b", "a_b", "a b", "ä", "a.b"] {
        assert_eq!(validate_username(bad), Err(UsernameError::Characters), "{bad}");
    }
}
