//! The JSON the layer itself reads and writes: token pairs, JWT claims, users, error bodies and the
//! stored session.
//!
//! Why not serde_json: it was about 15 % of the release wasm (its parser, serde's derived
//! visitors, float formatting and parsing). These bodies are small, flat and known, so a value
//! tree read by hand does the job in a fraction of the bytes. Numbers are kept as their text and
//! read as integers only, so no float code is linked. Callers' own types still go through serde
//! (`ApiClient::call` with the `serde` feature); that costs nothing unless it is used.

use std::fmt;

/// A parsed JSON value. Object members keep their order; a repeated key reads as its last value,
/// as `JSON.parse` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// A number as its text. Only the parser and the integer conversions make one, so it always
/// holds valid JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Number(String);

impl Number {
    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a text is not the JSON that was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JsonError {
    #[error("invalid JSON at byte {0}")]
    Syntax(usize),
    #[error("JSON nested more than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("expected an object")]
    NotAnObject,
    #[error("`{0}` is missing")]
    Missing(String),
    #[error("`{0}` has the wrong type")]
    WrongType(String),
}

/// Deeper input is refused rather than risk the stack: nothing this app reads nests past 4.
const MAX_DEPTH: usize = 64;

impl Json {
    /// The JSON of `text`, or `null` where there is none or it does not parse (a stored user
    /// written back as it came).
    pub(crate) fn parse_or_null(text: Option<&str>) -> Self {
        text.and_then(|text| Self::parse(text).ok())
            .unwrap_or(Self::Null)
    }

    /// Parses a whole text; anything after the value other than whitespace is an error.
    pub(crate) fn parse(text: &str) -> Result<Self, JsonError> {
        let mut parser = Parser {
            bytes: text.as_bytes(),
            at: 0,
        };
        let value = parser.value(0)?;
        parser.skip_whitespace();
        if parser.at == parser.bytes.len() {
            Ok(value)
        } else {
            Err(JsonError::Syntax(parser.at))
        }
    }

    /// Builds an object from its members.
    pub(crate) fn object<const N: usize>(members: [(&str, Json); N]) -> Self {
        Self::Object(
            members
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
        )
    }

    /// A member of an object (the last one, if the key repeats).
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Self::Object(members) => members
                .iter()
                .rev()
                .find(|(name, _)| name == key)
                .map(|(_, value)| value),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(text) => Some(text),
            _ => None,
        }
    }

    /// A number as an integer. `12.0` counts (older stored sessions wrote timestamps so);
    /// a fraction, an exponent or overflow does not.
    pub(crate) fn as_i64(&self) -> Option<i64> {
        let Self::Number(Number(text)) = self else {
            return None;
        };
        let whole = match text.split_once('.') {
            Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
            Some(_) => return None,
            None => text,
        };
        whole.parse().ok()
    }

    pub(crate) fn as_u64(&self) -> Option<u64> {
        self.as_i64().and_then(|n| u64::try_from(n).ok())
    }

    /// A required member, read with `read` (`Json::as_str`, `Json::as_i64` …).
    pub(crate) fn field<'a, T: 'a>(
        &'a self,
        key: &str,
        read: impl FnOnce(&'a Json) -> Option<T>,
    ) -> Result<T, JsonError> {
        let Self::Object(_) = self else {
            return Err(JsonError::NotAnObject);
        };
        let value = self
            .get(key)
            .ok_or_else(|| JsonError::Missing(key.to_owned()))?;
        read(value).ok_or_else(|| JsonError::WrongType(key.to_owned()))
    }

    /// An optional member: missing or `null` is `None`, any other type than `read` takes is an
    /// error.
    pub(crate) fn optional<'a, T: 'a>(
        &'a self,
        key: &str,
        read: impl FnOnce(&'a Json) -> Option<T>,
    ) -> Result<Option<T>, JsonError> {
        let Self::Object(_) = self else {
            return Err(JsonError::NotAnObject);
        };
        match self.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(value) => read(value)
                .map(Some)
                .ok_or_else(|| JsonError::WrongType(key.to_owned())),
        }
    }
}

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Self::String(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Self::String(text)
    }
}

impl From<i64> for Json {
    fn from(number: i64) -> Self {
        Self::Number(Number(number.to_string()))
    }
}

impl From<u64> for Json {
    fn from(number: u64) -> Self {
        Self::Number(Number(number.to_string()))
    }
}

impl<T: Into<Json>> From<Option<T>> for Json {
    fn from(value: Option<T>) -> Self {
        value.map_or(Self::Null, Into::into)
    }
}

/// Compact JSON, as `JSON.stringify` writes it.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Bool(value) => f.write_str(if *value { "true" } else { "false" }),
            Self::Number(Number(text)) => f.write_str(text),
            Self::String(text) => write_string(f, text),
            Self::Array(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    item.fmt(f)?;
                }
                f.write_str("]")
            }
            Self::Object(members) => {
                f.write_str("{")?;
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write_string(f, key)?;
                    f.write_str(":")?;
                    value.fmt(f)?;
                }
                f.write_str("}")
            }
        }
    }
}

fn write_string(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    f.write_str("\"")?;
    let mut plain_from = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        f.write_str(&text[plain_from..i])?;
        if escape.is_empty() {
            let code = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ];
            // Only ASCII went in.
            f.write_str(std::str::from_utf8(&code).map_err(|_| fmt::Error)?)?;
        } else {
            f.write_str(escape)?;
        }
        plain_from = i + 1;
    }
    f.write_str(&text[plain_from..])?;
    f.write_str("\"")
}

struct Parser<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error<T>(&self) -> Result<T, JsonError> {
        Err(JsonError::Syntax(self.at))
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.at += 1;
            Ok(())
        } else {
            self.error()
        }
    }

    fn literal(&mut self, word: &str, value: Json) -> Result<Json, JsonError> {
        if self.bytes[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            self.error()
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.error(),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.at += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Ok(Json::Object(members));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return self.error();
            }
            let key = self.string()?;
            self.skip_whitespace();
            self.expect(b':')?;
            members.push((key, self.value(depth + 1)?));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b'}') => {
                    self.at += 1;
                    return Ok(Json::Object(members));
                }
                _ => return self.error(),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.at += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.at += 1;
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.at += 1,
                Some(b']') => {
                    self.at += 1;
                    return Ok(Json::Array(items));
                }
                _ => return self.error(),
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.peek() {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        let leading_zero = self.peek() == Some(b'0');
        match self.digits() {
            0 => return self.error(),
            n if leading_zero && n > 1 => return Err(JsonError::Syntax(start)),
            _ => {}
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return self.error();
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if self.digits() == 0 {
                return self.error();
            }
        }
        // Only ASCII digits, signs, dots and exponents were consumed.
        let text = std::str::from_utf8(&self.bytes[start..self.at])
            .map_err(|_| JsonError::Syntax(start))?;
        Ok(Json::Number(Number(text.to_owned())))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .bytes
            .get(self.at..self.at + 4)
            .ok_or(JsonError::Syntax(self.at))?;
        let mut code = 0;
        for &digit in digits {
            let value = char::from(digit)
                .to_digit(16)
                .ok_or(JsonError::Syntax(self.at))?;
            code = code * 16 + value;
        }
        self.at += 4;
        Ok(code)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.at += 1;
        let mut text = Vec::new();
        loop {
            let Some(byte) = self.peek() else {
                return self.error();
            };
            self.at += 1;
            match byte {
                b'"' => break,
                b'\\' => {
                    let Some(escape) = self.peek() else {
                        return self.error();
                    };
                    self.at += 1;
                    let decoded = match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(JsonError::Syntax(self.at - 1)),
                    };
                    let mut buffer = [0; 4];
                    text.extend_from_slice(decoded.encode_utf8(&mut buffer).as_bytes());
                }
                0..=0x1f => return Err(JsonError::Syntax(self.at - 1)),
                _ => text.push(byte),
            }
        }
        // The input was a &str and escapes decode to whole chars, so this holds.
        String::from_utf8(text).map_err(|_| JsonError::Syntax(self.at))
    }

    /// `\uXXXX`, joining a surrogate pair; a lone surrogate becomes U+FFFD as in `JSON.parse`
    /// followed by a UTF-8 encoder.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        if (0xD800..0xDC00).contains(&first) && self.bytes[self.at..].starts_with(b"\\u") {
            let resume = self.at;
            self.at += 2;
            let second = self.hex4()?;
            if (0xDC00..0xE000).contains(&second) {
                let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                return Ok(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            self.at = resume;
        }
        Ok(char::from_u32(first).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_the_api_sends() {
        let body = r#" {"access": "a.b.c", "refresh":"d.e.f", "n": -12, "ok": true, "no": false,
            "none": null, "list": [1, "two", [], {}], "x": 1.5e3 } "#;
        let json = Json::parse(body).expect("json");
        assert_eq!(json.get("access").and_then(Json::as_str), Some("a.b.c"));
        assert_eq!(json.get("n").and_then(Json::as_i64), Some(-12));
        assert_eq!(json.get("n").and_then(Json::as_u64), None);
        assert_eq!(json.get("ok"), Some(&Json::Bool(true)));
        assert_eq!(json.get("none"), Some(&Json::Null));
        assert_eq!(
            json.get("list")
                .map(|list| matches!(list, Json::Array(items) if items.len() == 4)),
            Some(true)
        );
        assert_eq!(json.get("x"), Some(&Json::Number(Number("1.5e3".into()))));
        assert_eq!(json.get("x").and_then(Json::as_i64), None);
        assert_eq!(json.get("missing"), None);
    }

    #[test]
    fn integers_written_as_floats_still_read() {
        assert_eq!(
            Json::parse("1764215000123.0").ok().and_then(|n| n.as_i64()),
            Some(1_764_215_000_123)
        );
        assert_eq!(Json::parse("2.50").ok().and_then(|n| n.as_i64()), None);
        assert_eq!(
            Json::parse("99999999999999999999")
                .ok()
                .and_then(|n| n.as_i64()),
            None
        );
    }

    #[test]
    fn strings_unescape() {
        let json = Json::parse(r#""a\"b\\c\/d\n\u00e9\ud83d\ude00\ud800x""#).expect("string");
        assert_eq!(json.as_str(), Some("a\"b\\c/d\né😀\u{fffd}x"));
        assert_eq!(
            Json::parse(r#""é ok""#).expect("utf-8").as_str(),
            Some("é ok")
        );
    }

    #[test]
    fn refuses_what_is_not_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "01",
            "1.",
            "-",
            "1e",
            "tru",
            "\"\\x\"",
            "\"open",
            "\"tab\there\"",
            "[1] 2",
            "{\"a\" 1}",
            "'single'",
        ] {
            assert!(
                matches!(Json::parse(bad), Err(JsonError::Syntax(_))),
                "{bad:?} should be refused"
            );
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert_eq!(Json::parse(&deep), Err(JsonError::TooDeep));
    }

    #[test]
    fn a_repeated_key_reads_as_its_last_value() {
        let json = Json::parse(r#"{"a":1,"a":2}"#).expect("json");
        assert_eq!(json.get("a").and_then(Json::as_i64), Some(2));
    }

    #[test]
    fn fields_say_what_is_wrong() {
        let json = Json::parse(r#"{"name":"x","count":"3","gone":null}"#).expect("json");
        assert_eq!(json.field("name", Json::as_str), Ok("x"));
        assert_eq!(
            json.field("count", Json::as_i64),
            Err(JsonError::WrongType("count".into()))
        );
        assert_eq!(
            json.field("other", Json::as_str),
            Err(JsonError::Missing("other".into()))
        );
        assert_eq!(json.optional("gone", Json::as_str), Ok(None));
        assert_eq!(json.optional("other", Json::as_str), Ok(None));
        assert_eq!(
            json.optional("count", Json::as_i64),
            Err(JsonError::WrongType("count".into()))
        );
        assert_eq!(
            Json::Null.field("x", Json::as_str),
            Err(JsonError::NotAnObject)
        );
    }

    #[test]
    fn writes_compact_json_that_reads_back() {
        let value = Json::object([
            (
                "text",
                "quote \" backslash \\ newline \n bell \u{7} backspace \u{8} é".into(),
            ),
            ("n", Json::from(-5_i64)),
            ("none", Json::from(None::<String>)),
            (
                "list",
                Json::Array(vec![Json::Bool(true), Json::from(7_u64)]),
            ),
        ]);
        let text = value.to_string();
        assert_eq!(
            text,
            r#"{"text":"quote \" backslash \\ newline \n bell \u0007 backspace \b é","n":-5,"none":null,"list":[true,7]}"#
        );
        assert_eq!(Json::parse(&text), Ok(value));
    }
}
