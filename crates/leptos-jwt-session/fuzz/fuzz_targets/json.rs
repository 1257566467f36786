//! The layer's own JSON reader and writer (`src/json.rs`) on arbitrary input: it must never
//! panic, and whatever it parses must come back unchanged through the writer and the parser.
//! The module is private, so it is compiled in here as it is.
#![no_main]

#[path = "../../src/json.rs"]
#[allow(dead_code)]
mod json;

use json::Json;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(value) = Json::parse(text) {
        let written = value.to_string();
        assert_eq!(Json::parse(&written), Ok(value), "{text:?} written as {written:?}");
    }
});
