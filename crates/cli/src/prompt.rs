//! Questions on the terminal. Without a terminal nothing is asked: the command says which flag
//! or variable to set instead of waiting on a pipe.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, IsTerminal, Write};

/// The server's password rule (`validate::password`), told before the first prompt.
pub const PASSWORD_RULE: &str = "8 to 256 characters";
const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 256;
const TRIES: usize = 3;

fn interactive() -> bool {
    std::io::stdin().is_terminal()
}

/// `given`, else the answer to `question` on the terminal; `flag` names the way to pass it
/// when there is no terminal.
pub fn ask(question: &str, given: Option<String>, flag: &str) -> Result<String> {
    if let Some(value) = given {
        return Ok(value);
    }
    if !interactive() {
        bail!(
            "{} is needed: pass {flag} (standard input is not a terminal, so nothing is asked)",
            question.to_lowercase()
        );
    }
    eprint!("{question}: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let answer = line.trim().to_owned();
    if answer.is_empty() {
        bail!("{question} cannot be empty");
    }
    Ok(answer)
}

/// Whether `password` satisfies the server's rule; the sentence to show if not.
pub fn password_problem(password: &str) -> Option<String> {
    let n = password.chars().count();
    (!(MIN_PASSWORD..=MAX_PASSWORD).contains(&n))
        .then(|| format!("the password must be {PASSWORD_RULE} (it has {n})"))
}

/// The password of an existing account: asked once.
pub fn existing_password(given: Option<String>, whose: &str, flag: &str) -> Result<String> {
    if let Some(pw) = given {
        return Ok(pw);
    }
    if !interactive() {
        bail!(
            "{whose}'s password is needed: pass {flag} (standard input is not a terminal, so \
             nothing is asked)"
        );
    }
    rpassword::prompt_password(format!("Password for {whose}: ")).context("read the password")
}

/// A new password for `whose`: the rule is shown first, then it is typed twice. A password
/// given by flag or variable is checked against the same rule.
pub fn new_password(given: Option<String>, whose: &str, flag: &str) -> Result<String> {
    if let Some(pw) = given {
        if let Some(problem) = password_problem(&pw) {
            bail!("{problem}");
        }
        return Ok(pw);
    }
    if !interactive() {
        bail!("a password for {whose} is needed: pass {flag} (standard input is not a terminal)");
    }
    eprintln!("Choose a password for {whose} ({PASSWORD_RULE}).");
    for _ in 0..TRIES {
        let pw = rpassword::prompt_password(format!("New password for {whose}: "))
            .context("read the password")?;
        if let Some(problem) = password_problem(&pw) {
            eprintln!("{}; try again.", capitalized(&problem));
            continue;
        }
        let again = rpassword::prompt_password(format!("Confirm {whose}'s password: "))
            .context("read the password")?;
        if again == pw {
            return Ok(pw);
        }
        eprintln!("The passwords do not match; try again.");
    }
    bail!("no password set after {TRIES} tries")
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_rule_matches_the_servers() {
        assert!(password_problem("1234567").is_some());
        assert!(password_problem("12345678").is_none());
        assert!(password_problem(&"x".repeat(256)).is_none());
        assert!(password_problem(&"x".repeat(257)).is_some());
        // Characters, not bytes, as the server counts.
        assert!(password_problem("ééééééé").is_some());
        assert_eq!(
            password_problem("short").as_deref(),
            Some("the password must be 8 to 256 characters (it has 5)")
        );
    }
}
