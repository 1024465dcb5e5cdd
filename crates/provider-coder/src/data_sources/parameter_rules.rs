//! How Coder's provider checks a parameter's value (its `ValidateInput`): form type against
//! type and options, unique and well-typed options, the value among the options, the
//! `validation` block (regex, min/max, monotonic), and the value's type — with Coder's texts.

use crate::diag::Diags;

/// A `coder_parameter` as its checks see it.
#[derive(Debug, Default, Clone)]
pub struct Parameter {
    pub type_: String,
    pub form_type: String,
    pub default: Option<String>,
    pub options: Vec<(String, String)>,
    pub validation: Option<Validation>,
}

#[derive(Debug, Default, Clone)]
pub struct Validation {
    pub min: i64,
    pub min_disabled: bool,
    pub max: i64,
    pub max_disabled: bool,
    pub monotonic: String,
    pub regex: String,
    pub error: String,
}

fn error(summary: impl Into<String>, detail: impl Into<String>) -> Diags {
    let mut d = Diags::new();
    d.push_error(summary, detail);
    d
}

/// The form types allowed for a type, with and without options; the first is the default.
fn allowed_form_types(type_: &str, with_options: bool) -> Option<&'static [&'static str]> {
    Some(match (type_, with_options) {
        ("string" | "number" | "bool", true) => &["radio", "dropdown"],
        ("string", false) => &["input", "textarea"],
        ("number", false) => &["input", "slider"],
        ("bool", false) => &["checkbox", "switch"],
        ("list(string)", true) => &["radio", "multi-select"],
        ("list(string)", false) => &["tag-select"],
        _ => return None,
    })
}

fn go_words(items: &[&str]) -> String {
    format!("[{}]", items.join(" "))
}

/// Coder's `ValidateFormType`: the option type (string for multi-select) and the form type.
pub fn form_type(type_: &str, options: usize, given: &str) -> Result<(String, String), String> {
    let with_options = options > 0;
    let Some(allowed) = allowed_form_types(type_, with_options) else {
        return Err(format!(
            "\"type\" attribute={type_:?} is not supported, choose one of [string number bool list(string)]"
        ));
    };
    let chosen = if given.is_empty() { allowed[0] } else { given };
    if !allowed.contains(&chosen) {
        let opposite = allowed_form_types(type_, !with_options).unwrap_or(&[]);
        let hint = match (opposite.contains(&chosen), with_options) {
            (true, true) => " when options exist",
            (true, false) => " when options do not exist",
            _ => "",
        };
        return Err(format!(
            "\"form_type\" attribute={chosen:?} is not supported for \"type\"={type_:?}{hint}, choose one of {}",
            go_words(allowed)
        ));
    }
    let option_type =
        if type_ == "list(string)" && chosen == "multi-select" { "string" } else { type_ };
    Ok((option_type.to_owned(), chosen.to_owned()))
}

/// Coder's `valueIsType`.
pub fn value_is_type(type_: &str, value: &str) -> Result<(), String> {
    match type_ {
        "number" if value.trim().parse::<f64>().is_err() || value.trim() != value => {
            Err(format!("{value:?} is not a number"))
        }
        "bool" if parse_go_bool(value).is_none() => Err(format!("{value:?} is not a bool")),
        "list(string)" => list_of_strings(value).map(|_| ()),
        "string" | "number" | "bool" => Ok(()),
        other => Err(format!("invalid type {other:?}")),
    }
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn list_of_strings(value: &str) -> Result<Vec<String>, String> {
    serde_json::from_str::<Vec<String>>(value)
        .map_err(|_| format!("value {value:?} is not a valid list of strings"))
}

/// Check `input` (the provisioner's value, if any) and return the parameter's value.
pub fn validate_input(
    p: &mut Parameter,
    input: Option<&str>,
    previous: Option<&str>,
) -> Result<String, Diags> {
    let from_default = input.is_none() && p.default.is_some();
    let value = input.map(str::to_owned).or_else(|| p.default.clone());
    let (option_type, form) = form_type(&p.type_, p.options.len(), &p.form_type)
        .map_err(|e| error("Invalid form_type for parameter", e))?;
    p.form_type = form;
    let option_values = valid_options(p, &option_type)?;
    // Coder's own comment calls this a hack: without a validation block an unset value is
    // accepted as "" — which is what lets a template import without any parameter values.
    if p.validation.is_none() && value.is_none() {
        return Ok(String::new());
    }
    let value = value.unwrap_or_default();
    let name = if from_default { "Default value" } else { "Value" };
    valid_value(p, &value, previous, &option_type, &option_values, name)?;
    value_is_type(&p.type_, &value)
        .map_err(|e| error(format!("Parameter value is not of type {:?}", p.type_), e))?;
    Ok(value)
}

fn valid_options(p: &Parameter, option_type: &str) -> Result<Vec<String>, Diags> {
    let (mut names, mut values) = (Vec::<&str>::new(), Vec::<String>::new());
    let mut diags = Diags::new();
    for (name, value) in &p.options {
        if names.contains(&name.as_str()) {
            return Err(error(
                "Option names must be unique.",
                format!("multiple options found with the same name {name:?}"),
            ));
        }
        if values.contains(value) {
            return Err(error(
                "Option values must be unique.",
                format!("multiple options found with the same value {value:?}"),
            ));
        }
        if let Err(e) = value_is_type(option_type, value) {
            diags.push_error(
                format!("Option {name:?} with value={value:?} is not of type {option_type:?}"),
                e,
            );
            continue;
        }
        names.push(name);
        values.push(value.clone());
    }
    if diags.has_errors() { Err(diags) } else { Ok(values) }
}

fn valid_value(
    p: &Parameter,
    value: &str,
    previous: Option<&str>,
    option_type: &str,
    options: &[String],
    name: &str,
) -> Result<(), Diags> {
    if !options.is_empty() {
        if p.type_ == "list(string)" && option_type == "string" {
            let items = list_of_strings(value).map_err(|e| {
                error(
                    "When using list(string) type, value must be a json encoded list of strings",
                    e,
                )
            })?;
            let missing: Vec<&str> =
                items.iter().filter(|i| !options.contains(i)).map(String::as_str).collect();
            if !missing.is_empty() {
                return Err(error(
                    format!("{name}s must be a valid option"),
                    format!(
                        "{name} {value:?} is not a valid option, values {:?} are missing from the options",
                        missing.join(", ")
                    ),
                ));
            }
        } else if !options.iter().any(|o| o == value) {
            let extra = if value.is_empty() {
                ". The value is empty, did you forget to set it with a default or from user input?"
            } else {
                ""
            };
            return Err(error(
                format!("{name} must be a valid option{extra}"),
                format!("the value {value:?} must be defined as one of options"),
            ));
        }
    }
    if let Some(v) = &p.validation {
        v.check(&p.type_, value, previous).map_err(|e| {
            error(
                format!(
                    "Invalid parameter {} according to 'validation' block",
                    name.to_lowercase()
                ),
                e,
            )
        })?;
    }
    Ok(())
}

impl Validation {
    /// Coder's `Validation.Valid`.
    pub fn check(&self, type_: &str, value: &str, previous: Option<&str>) -> Result<(), String> {
        if type_ != "number" {
            if !self.min_disabled {
                return Err(format!("a min cannot be specified for a {type_} type"));
            }
            if !self.max_disabled {
                return Err(format!("a max cannot be specified for a {type_} type"));
            }
            if !self.monotonic.is_empty() {
                return Err(format!(
                    "monotonic validation can only be specified for number types, not {type_} types"
                ));
            }
        }
        if type_ != "string" && !self.regex.is_empty() {
            return Err(format!("a regex cannot be specified for a {type_} type"));
        }
        match type_ {
            "bool" if value != "true" && value != "false" => {
                Err(r#"boolean value can be either "true" or "false""#.to_owned())
            }
            "string" if !self.regex.is_empty() => self.check_regex(value),
            "number" => self.check_number(value, previous),
            "list(string)" => serde_json::from_str::<Vec<String>>(value)
                .map(|_| ())
                .map_err(|_| format!("value {value:?} is not valid list of strings")),
            _ => Ok(()),
        }
    }

    fn check_regex(&self, value: &str) -> Result<(), String> {
        let re = regex::Regex::new(&self.regex)
            .map_err(|e| format!("compile regex {:?}: {e}", self.regex))?;
        if self.error.is_empty() {
            return Err("an error must be specified with a regex validation".to_owned());
        }
        if re.is_match(value) {
            Ok(())
        } else {
            Err(format!("{} (value {value:?} does not match {:?})", self.error, self.regex))
        }
    }

    fn check_number(&self, value: &str, previous: Option<&str>) -> Result<(), String> {
        let rendered = |fallback: String| {
            if self.error.is_empty() {
                fallback
            } else {
                self.error
                    .replace("{min}", &self.min.to_string())
                    .replace("{max}", &self.max.to_string())
                    .replace("{value}", value)
            }
        };
        let Ok(num) = value.parse::<i64>() else {
            return Err(rendered(format!("value {value:?} is not a number")));
        };
        if !self.min_disabled && num < self.min {
            return Err(rendered(format!("value {num} is less than the minimum {}", self.min)));
        }
        if !self.max_disabled && num > self.max {
            return Err(rendered(format!("value {num} is more than the maximum {}", self.max)));
        }
        let prev = previous.and_then(|p| p.parse::<i64>().ok());
        match (self.monotonic.as_str(), prev) {
            ("", _) | ("increasing" | "decreasing", None) => Ok(()),
            ("increasing", Some(p)) if num < p => Err(format!(
                "parameter value '{num}' must be equal or greater than previous value: {p}"
            )),
            ("decreasing", Some(p)) if num > p => Err(format!(
                "parameter value '{num}' must be equal or lower than previous value: {p}"
            )),
            ("increasing" | "decreasing", Some(_)) => Ok(()),
            _ => {
                Err(r#"number monotonicity can be either "increasing" or "decreasing""#.to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(type_: &str) -> Parameter {
        Parameter { type_: type_.into(), ..Default::default() }
    }

    #[test]
    fn a_required_parameter_without_value_or_validation_is_empty_not_an_error() {
        let mut p = param("string");
        assert_eq!(validate_input(&mut p, None, None).unwrap(), "");
        assert_eq!(p.form_type, "input");
        let mut with_options = param("string");
        with_options.options = vec![("A".into(), "a".into())];
        assert_eq!(validate_input(&mut with_options, None, None).unwrap(), "");
        assert_eq!(with_options.form_type, "radio");
    }

    #[test]
    fn options_min_max_regex_and_monotonic_use_coders_texts() {
        let mut p = param("string");
        p.options = vec![("A".into(), "a".into())];
        let err = validate_input(&mut p, Some("b"), None).unwrap_err();
        assert_eq!(err.0[0].summary, "Value must be a valid option");
        let mut n = param("number");
        n.validation = Some(Validation { min: 1, max: 5, ..Default::default() });
        let err = validate_input(&mut n, Some("9"), None).unwrap_err();
        assert_eq!(err.0[0].detail, "value 9 is more than the maximum 5");
        n.validation = Some(Validation {
            monotonic: "increasing".into(),
            min_disabled: true,
            max_disabled: true,
            ..Default::default()
        });
        let err = validate_input(&mut n, Some("2"), Some("3")).unwrap_err();
        assert!(err.0[0].detail.contains("must be equal or greater than previous value: 3"));
        let mut s = param("string");
        s.validation = Some(Validation {
            regex: "^[a-z]+$".into(),
            error: "lowercase".into(),
            min_disabled: true,
            max_disabled: true,
            ..Default::default()
        });
        let err = validate_input(&mut s, Some("ABC"), None).unwrap_err();
        assert_eq!(err.0[0].detail, r#"lowercase (value "ABC" does not match "^[a-z]+$")"#);
    }

    #[test]
    fn form_types_follow_the_truth_table() {
        assert_eq!(form_type("list(string)", 2, "multi-select").unwrap().0, "string");
        let err = form_type("number", 2, "slider").unwrap_err();
        assert!(err.ends_with("when options exist, choose one of [radio dropdown]"), "{err}");
        assert!(value_is_type("bool", "True").is_ok() && value_is_type("number", "x").is_err());
    }
}
