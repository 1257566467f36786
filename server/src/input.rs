//! Request bodies the way Django REST framework reads them: JSON or form-encoded,
//! an empty body as no fields at all, and `CharField`'s rules for each value.

use axum::body::to_bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use http_body_util::LengthLimitError;
use serde_json::{Map, Value};

use crate::errors::{ApiError, FieldErrors, BODY_LIMIT};

/// The parsed body of a request (DRF's `request.data`).
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// No body: every field is missing.
    Empty,
    /// A JSON document, not necessarily an object.
    Json(Value),
    /// `application/x-www-form-urlencoded` pairs.
    Form(Vec<(String, String)>),
}

/// Extracts the body as [`Input`]: 413 past [`BODY_LIMIT`], 415 for content types
/// without a parser, 400 for malformed JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload(pub Input);

impl<S: Send + Sync> FromRequest<S> for Payload {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if declared_len.is_some_and(|len| len > BODY_LIMIT as u64) {
            return Err(ApiError::PayloadTooLarge);
        }
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        let bytes = to_bytes(req.into_body(), BODY_LIMIT).await.map_err(|e| {
            let too_large =
                std::error::Error::source(&e).is_some_and(|s| s.is::<LengthLimitError>());
            if too_large {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BodyRead(e.to_string())
            }
        })?;
        if bytes.is_empty() {
            return Ok(Self(Input::Empty));
        }
        match parser_for(&content_type) {
            Some(Parser::Json) => parse_json(&bytes).map(|v| Self(Input::Json(v))),
            Some(Parser::Form) => Ok(Self(Input::Form(
                form_urlencoded::parse(&bytes).into_owned().collect(),
            ))),
            None => Err(ApiError::UnsupportedMediaType(content_type)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Parser {
    Json,
    Form,
}

/// DRF's `media_type_matches`, trying its parsers in order; `*` matches anything.
fn parser_for(content_type: &str) -> Option<Parser> {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let (main, sub) = essence.split_once('/').unwrap_or((essence, ""));
    let matches = |want_main: &str, want_sub: &str| {
        (main == "*" || main.eq_ignore_ascii_case(want_main))
            && (sub == "*" || sub.eq_ignore_ascii_case(want_sub))
    };
    if matches("application", "json") {
        Some(Parser::Json)
    } else if matches("application", "x-www-form-urlencoded") {
        Some(Parser::Form)
    } else {
        None
    }
}

/// Parses JSON, reporting errors in the words of Python's `json` module.
pub fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let text =
        std::str::from_utf8(bytes).map_err(|e| ApiError::JsonParse(utf8_message(bytes, &e)))?;
    serde_json::from_str(text).map_err(|e| ApiError::JsonParse(python_json_message(text, &e)))
}

fn utf8_message(bytes: &[u8], error: &std::str::Utf8Error) -> String {
    let pos = error.valid_up_to();
    let byte = bytes.get(pos).copied().unwrap_or(0);
    let reason = match error.error_len() {
        None => "unexpected end of data",
        Some(_) if (0x80..0xc2).contains(&byte) || byte >= 0xf5 => "invalid start byte",
        Some(_) => "invalid continuation byte",
    };
    format!("'utf-8' codec can't decode byte 0x{byte:02x} in position {pos}: {reason}")
}

/// Maps a serde_json error to the message `json.loads` gives for the same input,
/// e.g. `Expecting value: line 1 column 1 (char 0)`.
fn python_json_message(text: &str, error: &serde_json::Error) -> String {
    let serde_message = error.to_string();
    let what = serde_message
        .split(" at line ")
        .next()
        .unwrap_or(&serde_message);
    let (message, ident) = match what {
        "expected ident" => ("Expecting value", true),
        "expected value"
        | "invalid number"
        | "EOF while parsing a value"
        | "EOF while parsing a list" => ("Expecting value", false),
        "key must be a string" | "EOF while parsing an object" => {
            ("Expecting property name enclosed in double quotes", false)
        }
        "expected `:`" => ("Expecting ':' delimiter", false),
        "expected `,` or `]`" | "expected `,` or `}`" => ("Expecting ',' delimiter", false),
        "trailing characters" => ("Extra data", false),
        // Python before 3.13 words a trailing comma by what it expected next.
        "trailing comma" if trailing_bracket(text, error) == Some(b']') => {
            ("Expecting value", false)
        }
        "trailing comma" => ("Expecting property name enclosed in double quotes", false),
        "EOF while parsing a string" => {
            // Python points at the string's opening quote, serde at the end of the text.
            let start = unterminated_string_start(text).unwrap_or(text.len());
            return python_position("Unterminated string starting at", text, start);
        }
        "invalid escape" => ("Invalid \\escape", false),
        "invalid unicode code point" | "unexpected end of hex escape" => {
            ("Invalid \\uXXXX escape", false)
        }
        _ if what.starts_with("control character") => ("Invalid control character at", false),
        _ => return capitalise(what),
    };

    // Byte offset of serde's position, then the character index Python reports.
    let byte_pos = if error.is_eof() {
        text.len()
    } else {
        let line_start: usize = text
            .split_inclusive('\n')
            .take(error.line().saturating_sub(1))
            .map(str::len)
            .sum();
        let mut pos = (line_start + error.column().saturating_sub(1)).min(text.len());
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        if ident {
            // serde stops inside a bad literal (`nope`); Python points at its start.
            while pos > 0 && text.as_bytes()[pos - 1].is_ascii_alphabetic() {
                pos -= 1;
            }
        }
        pos
    };
    python_position(message, text, byte_pos)
}

/// `message: line L column C (char N)` for the byte offset `byte_pos`, counted in
/// characters as Python does.
fn python_position(message: &str, text: &str, byte_pos: usize) -> String {
    let before = &text[..byte_pos];
    let char_pos = before.chars().count();
    let line = before.matches('\n').count() + 1;
    let column = match before.rfind('\n') {
        Some(newline) => before[newline + 1..].chars().count() + 1,
        None => char_pos + 1,
    };
    format!("{message}: line {line} column {column} (char {char_pos})")
}

/// The byte offset of the opening quote of a string the text leaves open, if any.
fn unterminated_string_start(text: &str) -> Option<usize> {
    let mut open = None;
    let mut escaped = false;
    for (pos, byte) in text.bytes().enumerate() {
        match (open, byte) {
            (None, b'"') => open = Some(pos),
            (Some(_), _) if escaped => escaped = false,
            (Some(_), b'\\') => escaped = true,
            (Some(_), b'"') => open = None,
            _ => {}
        }
    }
    open
}

/// The byte at serde's error position.
fn trailing_bracket(text: &str, error: &serde_json::Error) -> Option<u8> {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(error.line().saturating_sub(1))
        .map(str::len)
        .sum();
    text.as_bytes()
        .get(line_start + error.column().saturating_sub(1))
        .copied()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl Input {
    /// The fields, or DRF's `non_field_errors` when the body is not a JSON object.
    pub fn fields(&self) -> Result<Fields<'_>, ApiError> {
        match self {
            Self::Empty => Ok(Fields::Empty),
            Self::Form(pairs) => Ok(Fields::Form(pairs)),
            Self::Json(Value::Object(map)) => Ok(Fields::Json(map)),
            Self::Json(Value::Null) => Err(ApiError::Validation(FieldErrors::single(
                "non_field_errors",
                "No data provided",
            ))),
            Self::Json(other) => {
                let python_type = match other {
                    Value::Bool(_) => "bool",
                    Value::Number(n) if n.is_f64() => "float",
                    Value::Number(_) => "int",
                    Value::String(_) => "str",
                    _ => "list",
                };
                Err(ApiError::Validation(FieldErrors::single(
                    "non_field_errors",
                    format!("Invalid data. Expected a dictionary, but got {python_type}."),
                )))
            }
        }
    }
}

/// Field access over either body kind.
#[derive(Debug, Clone, Copy)]
pub enum Fields<'a> {
    Empty,
    Json(&'a Map<String, Value>),
    Form(&'a [(String, String)]),
}

/// One field's raw value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Raw<'a> {
    Missing,
    Json(&'a Value),
    Text(&'a str),
}

impl<'a> Fields<'a> {
    /// The raw value of `name` (for forms, the last one, as `QueryDict` returns).
    pub fn get(&self, name: &str) -> Raw<'a> {
        match self {
            Self::Empty => Raw::Missing,
            Self::Json(map) => map.get(name).map_or(Raw::Missing, Raw::Json),
            Self::Form(pairs) => pairs
                .iter()
                .rev()
                .find(|(key, _)| key == name)
                .map_or(Raw::Missing, |(_, value)| Raw::Text(value)),
        }
    }
}

pub const REQUIRED: &str = "This field is required.";
pub const BLANK: &str = "This field may not be blank.";
pub const NULL: &str = "This field may not be null.";
pub const NOT_A_STRING: &str = "Not a valid string.";

/// A DRF `CharField` (`trim_whitespace=True`, `allow_null=False`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CharField {
    pub required: bool,
    pub allow_blank: bool,
}

impl CharField {
    /// `CharField()`: required, not blank.
    pub const REQUIRED: Self = Self {
        required: true,
        allow_blank: false,
    };
    /// `required=False, allow_blank=True`, as a model field with `blank=True` maps.
    pub const OPTIONAL: Self = Self {
        required: false,
        allow_blank: true,
    };

    /// `required=False` but not blank: a model field without `blank=True` in a partial
    /// update (`PATCH`).
    pub const OPTIONAL_NOT_BLANK: Self = Self {
        required: false,
        allow_blank: false,
    };

    /// `run_validation` up to the validators: `Ok(None)` for a missing optional field,
    /// `Ok(Some(""))` for an allowed blank (validators are then skipped), otherwise the
    /// trimmed text or the one error message.
    pub fn clean(self, raw: Raw<'_>) -> Result<Option<String>, &'static str> {
        let text: Option<String> = match raw {
            Raw::Missing => None,
            Raw::Text(s) => Some(s.to_owned()),
            Raw::Json(Value::String(s)) => Some(s.clone()),
            Raw::Json(Value::Number(n)) => Some(n.to_string()),
            Raw::Json(Value::Null) => return Err(NULL),
            Raw::Json(_) => return Err(NOT_A_STRING),
        };
        match text {
            None if self.required => Err(REQUIRED),
            None => Ok(None),
            Some(s) if s.trim().is_empty() => {
                if self.allow_blank {
                    Ok(Some(String::new()))
                } else {
                    Err(BLANK)
                }
            }
            Some(s) => Ok(Some(s.trim().to_owned())),
        }
    }

    /// [`Self::clean`] for a required field, recording its error in `errors`.
    pub fn take(self, fields: &Fields<'_>, name: &str, errors: &mut FieldErrors) -> Option<String> {
        match self.clean(fields.get(name)) {
            Ok(value) => value,
            Err(message) => {
                errors.add(name, vec![message.to_owned()]);
                None
            }
        }
    }
}

/// Django's `MaxLengthValidator` message, if `value` is too long.
pub fn max_length_error(value: &str, max: usize) -> Option<String> {
    (value.chars().count() > max)
        .then(|| format!("Ensure this field has no more than {max} characters."))
}

/// Django's `UnicodeUsernameValidator`: `^[\w.@+-]+\Z`.
pub fn is_valid_username(username: &str) -> bool {
    !username.is_empty()
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@' | '+' | '-'))
}

/// Django's `EmailValidator` (dot-atom local part; domain names, `localhost` or an
/// address literal).
pub fn is_valid_email(email: &str) -> bool {
    if email.is_empty() || email.chars().count() > 320 {
        return false;
    }
    let Some((user, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let atom_char = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~-".contains(c);
    let user_ok = !user.is_empty()
        && user
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(atom_char));
    user_ok
        && (domain.eq_ignore_ascii_case("localhost")
            || is_valid_domain(domain)
            || is_address_literal(domain))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    let Some((tld, names)) = labels.split_last() else {
        return false;
    };
    // Non-ASCII letters stand for an IDN label, which Django accepts after punycode.
    let label_char =
        |c: char| c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric());
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.chars().count() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(label_char)
    };
    !names.is_empty()
        && names.iter().all(|label| label_ok(label))
        && tld.chars().count() >= 2
        && label_ok(tld)
}

fn is_address_literal(domain: &str) -> bool {
    let Some(inner) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) else {
        return false;
    };
    match inner.strip_prefix("IPv6:") {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => inner.parse::<std::net::Ipv4Addr>().is_ok(),
    }
}

/// Django's `BaseUserManager.normalize_email`: lowercase the domain part.
pub fn normalize_email(email: &str) -> String {
    match email.rsplit_once('@') {
        Some((user, domain)) => format!("{user}@{}", domain.to_lowercase()),
        None => email.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detail(bytes: &[u8]) -> String {
        match parse_json(bytes) {
            Err(ApiError::JsonParse(message)) => message,
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn json_errors_read_like_python() {
        assert_eq!(
            detail(b"not json"),
            "Expecting value: line 1 column 1 (char 0)"
        );
        assert_eq!(detail(b"nope"), "Expecting value: line 1 column 1 (char 0)");
        assert_eq!(
            detail(b"{\"a\" 1}"),
            "Expecting ':' delimiter: line 1 column 6 (char 5)"
        );
        assert_eq!(detail(b"{} x"), "Extra data: line 1 column 4 (char 3)");
        assert_eq!(
            detail(b"{'a': 1}"),
            "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"
        );
        assert_eq!(
            detail(b"{\"a\":"),
            "Expecting value: line 1 column 6 (char 5)"
        );
        assert_eq!(detail(b"[1,]"), "Expecting value: line 1 column 4 (char 3)");
        assert_eq!(
            detail(b"{\"a\":1,}"),
            "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"
        );
        assert_eq!(
            detail(br#"{"username": "demo", "pass"#),
            "Unterminated string starting at: line 1 column 22 (char 21)"
        );
        assert_eq!(
            detail("{\"é\": \"a\\\"b".as_bytes()),
            "Unterminated string starting at: line 1 column 7 (char 6)"
        );
        assert_eq!(
            detail(b"\n\n  x"),
            "Expecting value: line 3 column 3 (char 4)"
        );
        assert!(detail(b"\xff").starts_with("'utf-8' codec can't decode byte 0xff in position 0"));
    }

    #[test]
    fn content_types_pick_drf_parsers() {
        assert_eq!(parser_for("application/json"), Some(Parser::Json));
        assert_eq!(
            parser_for("Application/JSON; charset=utf-8"),
            Some(Parser::Json)
        );
        assert_eq!(parser_for("*/*"), Some(Parser::Json));
        assert_eq!(
            parser_for("application/x-www-form-urlencoded"),
            Some(Parser::Form)
        );
        assert_eq!(parser_for("text/plain"), None);
        assert_eq!(parser_for(""), None);
        assert_eq!(parser_for("multipart/form-data; boundary=x"), None);
    }

    #[test]
    fn char_field_rules() {
        let v = serde_json::json!({"s": "  hi ", "blank": "  ", "n": 12, "null": null, "list": [], "b": true});
        let Value::Object(map) = &v else {
            unreachable!()
        };
        let f = Fields::Json(map);
        let req = CharField::REQUIRED;
        assert_eq!(req.clean(f.get("s")), Ok(Some("hi".into())));
        assert_eq!(req.clean(f.get("blank")), Err(BLANK));
        assert_eq!(req.clean(f.get("n")), Ok(Some("12".into())));
        assert_eq!(req.clean(f.get("null")), Err(NULL));
        assert_eq!(req.clean(f.get("list")), Err(NOT_A_STRING));
        assert_eq!(req.clean(f.get("b")), Err(NOT_A_STRING));
        assert_eq!(req.clean(f.get("missing")), Err(REQUIRED));
        assert_eq!(CharField::OPTIONAL.clean(f.get("missing")), Ok(None));
        assert_eq!(
            CharField::OPTIONAL.clean(f.get("blank")),
            Ok(Some(String::new()))
        );
        assert_eq!(
            CharField::OPTIONAL_NOT_BLANK.clean(f.get("missing")),
            Ok(None)
        );
        assert_eq!(
            CharField::OPTIONAL_NOT_BLANK.clean(f.get("blank")),
            Err(BLANK)
        );
    }

    #[test]
    fn usernames_and_emails() {
        for good in ["alice", "a.b@c+d-e_f", "jürgen", "用户"] {
            assert!(is_valid_username(good), "{good}");
        }
        for bad in ["", "a b", "a!", "a/b", "tab\t"] {
            assert!(!is_valid_username(bad), "{bad}");
        }
        for good in [
            "a@example.com",
            "first.last+tag@sub.example.co",
            "x@localhost",
            "x@[127.0.0.1]",
            "x@bücher.de",
        ] {
            assert!(is_valid_email(good), "{good}");
        }
        for bad in [
            "",
            "plain",
            "@example.com",
            "a@",
            "a@b",
            "a..b@example.com",
            "a@-x.com",
            "a b@example.com",
            "a@example.c",
        ] {
            assert!(!is_valid_email(bad), "{bad}");
        }
        assert_eq!(normalize_email("Bob@Example.COM"), "Bob@example.com");
    }
}
