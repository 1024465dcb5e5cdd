use tollgate_core::title_from_text;

#[test]
fn titles_are_the_first_six_words_within_80_chars() {
    assert_eq!(
        title_from_text("  fix the   flaky test in CI please now "),
        "fix the flaky test in CI"
    );
    assert_eq!(title_from_text("hello"), "hello");
    assert_eq!(title_from_text("   \n "), "New Chat");
    let long = format!("{} b c d e f", "a".repeat(100));
    let title = title_from_text(&long);
    assert_eq!(title.chars().count(), 80);
    assert!(title.ends_with('…'));
}
