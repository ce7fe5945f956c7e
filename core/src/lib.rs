//! piiscan's compiled core, exposed to Python as `piiscan._core`: the built-in validators for
//! Swedish identifiers ([`validators`], [`checksums`]), the linear-time matching of the
//! catalogue's patterns ([`matcher`], most of them in [`one_pass`] over the text together), the
//! engine's hot path from a text to its final findings ([`engine`]: validation, [`context`]
//! words, scores, overlaps, [`masking`]) and the rule-based half of the name recognizer
//! ([`names`] and the modules beside it).
//!
//! Everything except the `py` modules is plain Rust that knows nothing of Python, so `cargo test` builds
//! and runs it without an interpreter; the binding is compiled only with the `python` feature,
//! which maturin turns on.

#![forbid(unsafe_code)]

pub mod checksums;
pub mod context;
pub mod digit_heads;
pub mod engine;
pub mod masking;
pub mod matcher;
pub mod names;
pub mod names_combine;
pub mod names_weigh;
pub mod names_windows;
pub mod one_pass;
pub mod text;
pub mod validators;
pub mod verdict;

#[cfg(feature = "python")]
mod py;
#[cfg(feature = "python")]
mod py_findings;
