//! The fields of a report's header a person types — title, client, site, assessor — as one
//! list ([`HeaderField::ALL`]) with their names and the one rule for their text
//! ([`header_text`]): `analyze --title/--client/--site/--assessor` and the window's Sessions
//! tab both read them here.

use super::ReportHeader;

/// Longest header field, characters.
pub const MAX_HEADER_CHARS: usize = 200;

/// A typed field of the report's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeaderField {
    /// The report's title ([`super::DEFAULT_TITLE`] when not given).
    Title,
    /// The client (company or person) the assessment is for.
    Client,
    /// The site or workstation assessed.
    Site,
    /// Who made the assessment.
    Assessor,
}

impl HeaderField {
    /// Every field, in the order they are asked for and printed.
    pub const ALL: [HeaderField; 4] = [
        HeaderField::Title,
        HeaderField::Client,
        HeaderField::Site,
        HeaderField::Assessor,
    ];

    /// The field's name for people (the report's field label, the window's field label).
    pub fn label(self) -> &'static str {
        match self {
            HeaderField::Title => "Title",
            HeaderField::Client => "Client",
            HeaderField::Site => "Site",
            HeaderField::Assessor => "Assessor",
        }
    }
}

impl ReportHeader {
    /// The value of `field`, when given.
    pub fn get(&self, field: HeaderField) -> Option<&str> {
        match field {
            HeaderField::Title => self.title.as_deref(),
            HeaderField::Client => self.client.as_deref(),
            HeaderField::Site => self.site.as_deref(),
            HeaderField::Assessor => self.assessor.as_deref(),
        }
    }

    /// Sets `field` (`None`: not given).
    pub fn set(&mut self, field: HeaderField, value: Option<String>) {
        let slot = match field {
            HeaderField::Title => &mut self.title,
            HeaderField::Client => &mut self.client,
            HeaderField::Site => &mut self.site,
            HeaderField::Assessor => &mut self.assessor,
        };
        *slot = value;
    }

    /// A header from typed text, one entry per field in [`HeaderField::ALL`] order: an empty
    /// entry is not given, any other is checked by [`header_text`]; the error names the
    /// field.
    pub fn from_typed(typed: &[String; 4]) -> Result<Self, String> {
        let mut header = Self::default();
        for (field, text) in HeaderField::ALL.into_iter().zip(typed) {
            if text.trim().is_empty() {
                continue;
            }
            let text = header_text(text).map_err(|why| format!("{}: {why}", field.label()))?;
            header.set(field, Some(text));
        }
        Ok(header)
    }
}

/// A header field's text: 1 to [`MAX_HEADER_CHARS`] characters after trimming, one line.
pub fn header_text(text: &str) -> Result<String, String> {
    let text = text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_HEADER_CHARS {
        return Err(format!(
            "must be 1 to {MAX_HEADER_CHARS} characters, got {chars}"
        ));
    }
    if text.chars().any(char::is_control) {
        return Err("must be one line of text (no line breaks or control characters)".into());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_are_one_line_of_up_to_200_characters() {
        assert_eq!(header_text("  Acme Ltd ").as_deref(), Ok("Acme Ltd"));
        assert_eq!(header_text(&"é".repeat(200)).map(|t| t.len()), Ok(400));
        let too_long = header_text(&"x".repeat(201)).expect_err("too long");
        assert!(
            too_long.contains("1 to 200 characters, got 201"),
            "{too_long}"
        );
        assert!(header_text("   ").is_err());
        assert!(
            header_text("two\nlines")
                .expect_err("control")
                .contains("one line")
        );
    }

    #[test]
    fn typed_fields_fill_the_header_and_blank_ones_stay_unset() {
        let typed = [
            String::new(),
            " Acme Ltd ".into(),
            "Desk 4".into(),
            "  ".into(),
        ];
        let header = ReportHeader::from_typed(&typed).expect("valid");
        assert_eq!(header.get(HeaderField::Title), None);
        assert_eq!(header.get(HeaderField::Client), Some("Acme Ltd"));
        assert_eq!(header.get(HeaderField::Site), Some("Desk 4"));
        assert_eq!(header.get(HeaderField::Assessor), None);
        let long = [String::new(), String::new(), "x".repeat(201), String::new()];
        let err = ReportHeader::from_typed(&long).expect_err("too long");
        assert!(
            err.starts_with("Site: must be 1 to 200 characters"),
            "{err}"
        );
    }
}
