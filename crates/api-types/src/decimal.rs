//! A decimal as it travels: requests may send a JSON number or a string, and either is read from
//! its exact text, never through a float (`0.1` stays `0.1`, `1.234567890123456789` keeps every
//! digit); responses send a string.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The exact text of a decimal number. What it means (a price, an amount) is for the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExactDecimal(pub String);

impl Serialize for ExactDecimal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ExactDecimal {
    /// Reads the value's raw JSON text (this needs serde_json's own deserializer, which every
    /// request body goes through): a string's contents, or a number's digits as written.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get().trim();
        if text.starts_with('"') {
            return serde_json::from_str::<String>(text)
                .map(ExactDecimal)
                .map_err(D::Error::custom);
        }
        let is_number = text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
        if is_number {
            Ok(ExactDecimal(text.to_owned()))
        } else {
            Err(D::Error::custom(format!("expected a decimal number or string, found {text}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ExactDecimal;

    #[test]
    fn numbers_keep_their_digits() {
        let read = |json: &str| serde_json::from_str::<ExactDecimal>(json).map(|d| d.0);
        assert_eq!(read("0.1").unwrap(), "0.1");
        assert_eq!(read("1.234567890123456789012").unwrap(), "1.234567890123456789012");
        assert_eq!(read("1e-7").unwrap(), "1e-7");
        assert_eq!(read(r#""3.75""#).unwrap(), "3.75");
        assert!(read("true").is_err() && read("[1]").is_err() && read("{}").is_err());
        assert_eq!(serde_json::to_string(&ExactDecimal("2.5".into())).unwrap(), r#""2.5""#);
    }
}
