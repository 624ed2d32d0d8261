//! The allowed range of every number a user gives (a flag, a TOML file, the window's
//! settings), defined once with its unit, and the readers that use it.
//!
//! A [`Bounds`] names its field, so every message says which value is wrong and what would be
//! right ("onset_delay_s = -5 is out of range: 0 to 3600 s"). The same value checks the TOML
//! file ([`Bounds::check`]), parses the command-line flag ([`Bounds::parse`]) and limits the
//! window's slider ([`Bounds::range`]).
//!
//! [`read_fieldwise`] reads a TOML file one field at a time, so a bad value costs only that
//! field (the window falls back to its default and says so) instead of the whole file.

use std::ops::RangeInclusive;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The allowed range of one number, with the name of its field and its unit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// The field (TOML key) this range belongs to.
    pub name: &'static str,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Unit for messages and sliders (`s`, `fps`, `°`, `%`, or empty).
    pub unit: &'static str,
}

/// A number outside its [`Bounds`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{name} = {value} is out of range: {range}")]
pub struct RangeError {
    /// The field.
    pub name: &'static str,
    /// The rejected value.
    pub value: f64,
    /// The allowed range, in words ("0 to 3600 s").
    pub range: String,
}

impl Bounds {
    /// The range `min..=max` of field `name` in `unit`.
    pub const fn new(name: &'static str, min: f64, max: f64, unit: &'static str) -> Self {
        Self {
            name,
            min,
            max,
            unit,
        }
    }

    /// Whether `value` is a finite number inside the range.
    pub fn contains(&self, value: f64) -> bool {
        value.is_finite() && (self.min..=self.max).contains(&value)
    }

    /// `value` if it is inside the range; an error naming the field and the range otherwise.
    pub fn check(&self, value: f64) -> Result<f64, RangeError> {
        if self.contains(value) {
            Ok(value)
        } else {
            Err(RangeError {
                name: self.name,
                value,
                range: self.to_string(),
            })
        }
    }

    /// Parses a command-line value: a number inside the range, or a message with the range
    /// (clap puts the flag and the value in front of it).
    pub fn parse(&self, text: &str) -> Result<f64, String> {
        let value: f64 = text
            .trim()
            .parse()
            .map_err(|_| format!("not a number; expected {self}"))?;
        if self.contains(value) {
            Ok(value)
        } else {
            Err(format!("out of range: expected {self}"))
        }
    }

    /// Parses a whole number (counts, thread numbers) inside the range.
    pub fn parse_count(&self, text: &str) -> Result<u32, String> {
        let value: u32 = text
            .trim()
            .parse()
            .map_err(|_| format!("not a whole number; expected {self}"))?;
        if self.contains(f64::from(value)) {
            Ok(value)
        } else {
            Err(format!("out of range: expected {self}"))
        }
    }

    /// The range for a slider.
    pub fn range(&self) -> RangeInclusive<f64> {
        self.min..=self.max
    }

    /// The help text of a flag: `what`, then the range.
    pub fn help(&self, what: &str) -> String {
        format!("{what} ({self})")
    }
}

impl std::fmt::Display for Bounds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} to {}", self.min, self.max)?;
        match self.unit {
            "" => Ok(()),
            "°" | "%" => write!(f, "{}", self.unit),
            unit => write!(f, " {unit}"),
        }
    }
}

/// One field of a file that was not taken, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldProblem {
    /// The TOML key.
    pub field: String,
    /// Why it was not taken (unknown field, wrong type, out of range).
    pub reason: String,
}

impl std::fmt::Display for FieldProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

/// Reads TOML `text` into `T` one top-level field at a time ([`read_table_fieldwise`]).
/// Fails only when the text is not TOML at all.
pub fn read_fieldwise<T>(
    text: &str,
    check: impl Fn(&T) -> Vec<RangeError>,
) -> Result<(T, Vec<FieldProblem>), toml::de::Error>
where
    T: Serialize + DeserializeOwned + Default,
{
    Ok(read_table_fieldwise(text.parse()?, check))
}

/// Reads `table` into `T` one top-level field at a time: each field is tried on top of the
/// defaults and kept only if it deserialises and `check` finds nothing wrong with it; a field
/// that is not kept keeps its default and is reported.
pub fn read_table_fieldwise<T>(
    table: toml::Table,
    check: impl Fn(&T) -> Vec<RangeError>,
) -> (T, Vec<FieldProblem>)
where
    T: Serialize + DeserializeOwned + Default,
{
    let defaults = toml::Table::try_from(T::default()).unwrap_or_default();
    let mut kept = defaults.clone();
    let mut problems = Vec::new();
    for (field, value) in table {
        let mut candidate = defaults.clone();
        candidate.insert(field.clone(), value.clone());
        let reason = match candidate.try_into::<T>() {
            Ok(parsed) => check(&parsed)
                .into_iter()
                .find(|err| err.name == field)
                .map(|err| format!("{} is out of range: {}", err.value, err.range)),
            Err(err) => Some(err.message().trim().to_owned()),
        };
        match reason {
            None => {
                kept.insert(field, value);
            }
            Some(reason) => problems.push(FieldProblem { field, reason }),
        }
    }
    // Each kept field was fine on its own; together they still are (no field's range
    // depends on another's), but a failure here falls back to the defaults, never panics.
    let config = kept.try_into::<T>().unwrap_or_default();
    (config, problems)
}

/// The numeric TOML keys of `value` that have no range among `numbers`, and the ranges that
/// name no numeric key (both empty when every number has exactly one range, named like its
/// key; switches and text have none). For the tests of each configuration struct.
#[cfg(test)]
pub(crate) fn unmatched_ranges<T: Serialize>(
    value: &T,
    numbers: &[(Bounds, f64)],
) -> (Vec<String>, Vec<&'static str>) {
    let table = toml::Table::try_from(value).unwrap_or_default();
    let keys: Vec<String> = table
        .iter()
        .filter(|(_, value)| value.is_float() || value.is_integer())
        .map(|(key, _)| key.clone())
        .collect();
    let names: Vec<&'static str> = numbers.iter().map(|(bounds, _)| bounds.name).collect();
    (
        keys.iter()
            .filter(|key| !names.contains(&key.as_str()))
            .cloned()
            .collect(),
        names
            .into_iter()
            .filter(|name| !keys.iter().any(|key| key == name))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    const RATE: Bounds = Bounds::new("rate_fps", 0.2, 30.0, "fps");

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Sample {
        rate_fps: f64,
        label: String,
    }

    fn check(sample: &Sample) -> Vec<RangeError> {
        RATE.check(sample.rate_fps).err().into_iter().collect()
    }

    #[test]
    fn messages_name_the_field_and_the_range() {
        let err = RATE.check(1000.0).expect_err("too fast");
        assert_eq!(
            err.to_string(),
            "rate_fps = 1000 is out of range: 0.2 to 30 fps"
        );
        assert!(RATE.check(f64::NAN).is_err());
        assert!(RATE.check(f64::INFINITY).is_err());
        assert_eq!(RATE.check(0.2), Ok(0.2));
        assert_eq!(
            Bounds::new("angle", -30.0, 30.0, "°").to_string(),
            "-30 to 30°"
        );
    }

    #[test]
    fn parse_rejects_what_check_rejects() {
        assert_eq!(RATE.parse("2"), Ok(2.0));
        assert_eq!(
            RATE.parse("1e-9"),
            Err("out of range: expected 0.2 to 30 fps".to_owned())
        );
        assert!(RATE.parse("-5").is_err());
        assert!(RATE.parse("NaN").is_err());
        assert!(RATE.parse("fast").unwrap_err().contains("not a number"));
        let threads = Bounds::new("threads", 1.0, 64.0, "");
        assert_eq!(threads.parse_count("2"), Ok(2));
        assert!(threads.parse_count("0").is_err());
        assert!(threads.parse_count("1.5").is_err());
    }

    #[test]
    fn fieldwise_keeps_good_fields_and_reports_bad_ones() {
        let (sample, problems) =
            read_fieldwise::<Sample>("rate_fps = nan\nlabel = \"kept\"\n", check).unwrap();
        assert_eq!(sample.label, "kept");
        assert!(sample.rate_fps.abs() < f64::EPSILON, "default kept");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "rate_fps");
        assert!(problems[0].reason.contains("0.2 to 30 fps"), "{problems:?}");

        let (sample, problems) =
            read_fieldwise::<Sample>("rate_fps = \"soon\"\nextra = 1\n", check).unwrap();
        assert_eq!(sample, Sample::default());
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["extra", "rate_fps"]);

        assert!(read_fieldwise::<Sample>("rate_fps = = 3", check).is_err());
    }
}
