//! Diagnostics: the errors and warnings Terraform shows its user.

use crate::proto::tfplugin6 as tf;
use tf::attribute_path::{Step, step::Selector};
use tf::diagnostic::Severity;

#[derive(Debug, Default, Clone)]
pub struct Diags(pub Vec<tf::Diagnostic>);

impl Diags {
    pub fn new() -> Self {
        Diags(Vec::new())
    }

    /// A single error.
    pub fn error(summary: impl Into<String>) -> Self {
        let mut d = Diags::new();
        d.push_error(summary, "");
        d
    }

    pub fn push_error(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Error, summary.into(), detail.into(), &[]);
    }

    /// An error about one attribute, so Terraform can point at its line in the configuration.
    pub fn push_attr_error(&mut self, path: &[&str], summary: impl Into<String>) {
        self.push(Severity::Error, summary.into(), String::new(), path);
    }

    pub fn push_warning(&mut self, summary: impl Into<String>, detail: impl Into<String>) {
        self.push(Severity::Warning, summary.into(), detail.into(), &[]);
    }

    fn push(&mut self, severity: Severity, summary: String, detail: String, path: &[&str]) {
        let attribute = (!path.is_empty()).then(|| tf::AttributePath {
            steps: path
                .iter()
                .map(|step| match step.parse::<i64>() {
                    Ok(i) => Step { selector: Some(Selector::ElementKeyInt(i)) },
                    Err(_) => Step { selector: Some(Selector::AttributeName((*step).to_owned())) },
                })
                .collect(),
        });
        self.0.push(tf::Diagnostic { severity: severity as i32, summary, detail, attribute });
    }

    pub fn extend(&mut self, other: Diags) {
        self.0.extend(other.0);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(|d| d.severity == Severity::Error as i32)
    }

    pub fn into_vec(self) -> Vec<tf::Diagnostic> {
        self.0
    }
}

/// An attribute path for `requires_replace`.
pub fn attribute_path(names: &[String]) -> tf::AttributePath {
    tf::AttributePath {
        steps: names
            .iter()
            .map(|n| Step { selector: Some(Selector::AttributeName(n.clone())) })
            .collect(),
    }
}
