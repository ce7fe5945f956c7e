//! A long Python text as UTF-8, without CPython's UTF-8 encoder where a faster way exists.
//!
//! The core reads `&str`; PyO3 gets one from a Python `str` through
//! `PyUnicode_AsUTF8AndSize`, which encodes the text to UTF-8 once and keeps the copy on the
//! object. For a text that is not pure ASCII that encoder takes a character at a time: on two
//! megabytes of Swedish prose about 1.7 ms, a third of a whole cold `analyze` without names
//! (callgrind: 26 % of its instructions; a warm run reuses the copy, which is most of what
//! separated the benchmark's cold and warm figures). Most Swedish text is Latin-1 (`å`, `ä`,
//! `ö`, `é` and no character above U+00FF), which CPython stores one byte a character: encoding
//! it to Latin-1 is a copy, and Latin-1 turns into UTF-8 here a word of ASCII at a time.
//!
//! Short texts (cells) and pure ASCII ones (whose UTF-8 form CPython already holds) keep the
//! plain way, as does any text with a character beyond Latin-1 (the attempt fails at its first
//! such character and costs at most a copy).

/// A text this long or longer (in characters) is worth the Latin-1 attempt: two method calls
/// cost less than encoding it character by character.
pub const LONG_TEXT: usize = 2048;

/// `latin1` (each byte one character, U+0000 to U+00FF) as UTF-8.
///
/// `encoding_rs` copies the runs of ASCII a word at a time and writes the rest as it goes,
/// without validating its own output again (measured: a third of the instructions of a safe
/// loop here that validates with `String::from_utf8`, and a tenth of CPython's encoder).
pub fn latin1_to_utf8(latin1: &[u8]) -> String {
    encoding_rs::mem::decode_latin1(latin1).into_owned()
}

#[cfg(feature = "python")]
mod python {
    use std::borrow::Cow;

    use pyo3::intern;
    use pyo3::prelude::*;
    use pyo3::types::{PyBytes, PyString};

    /// `text` as UTF-8 (see the module documentation); an error only where `to_str` gives
    /// one (a lone surrogate).
    pub fn utf8<'a>(text: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
        let py = text.py();
        if text.len()? < super::LONG_TEXT
            || text.call_method0(intern!(py, "isascii"))?.is_truthy()?
        {
            return text.to_str().map(Cow::Borrowed);
        }
        match text.call_method1(intern!(py, "encode"), (intern!(py, "latin-1"),)) {
            Ok(encoded) => match encoded.cast::<PyBytes>() {
                Ok(bytes) => Ok(Cow::Owned(super::latin1_to_utf8(bytes.as_bytes()))),
                Err(_) => text.to_str().map(Cow::Borrowed),
            },
            Err(_) => text.to_str().map(Cow::Borrowed),
        }
    }
}

#[cfg(feature = "python")]
pub use python::utf8;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin1_becomes_the_same_utf8_as_the_characters() {
        let every: Vec<u8> = (0..=255u8).collect();
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"a".to_vec(),
            b"abcdefgh".to_vec(),
            b"abcdefghi".to_vec(),
            vec![0xE5],
            vec![0xE5, 0xE4, 0xF6],
            b"K\xf6ping \xe5r 1985, Malm\xf6 och V\xe4xj\xf6.".to_vec(),
            b"01234567\xe9".to_vec(),
            b"\xe90123456789abcdef\xff".to_vec(),
            every.clone(),
            every.iter().rev().copied().collect(),
            every.repeat(3),
        ];
        for latin1 in cases {
            let expected: String = latin1.iter().map(|&b| char::from(b)).collect();
            assert_eq!(latin1_to_utf8(&latin1), expected, "{latin1:?}");
        }
        // Every length and offset of a non-ASCII byte around the eight-byte steps.
        for length in 0..40 {
            for place in 0..length {
                let mut latin1 = vec![b'x'; length];
                latin1[place] = 0xC4;
                let expected: String = latin1.iter().map(|&b| char::from(b)).collect();
                assert_eq!(latin1_to_utf8(&latin1), expected);
            }
        }
    }
}
