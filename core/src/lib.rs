//! piiscan's compiled core: the built-in validators for Swedish identifiers (and, as the core
//! grows, the one-pass matcher), exposed to Python as `piiscan._core`.
//!
//! Everything except [`py`] is plain Rust that knows nothing of Python, so `cargo test` builds
//! and runs it without an interpreter; the binding is compiled only with the `python` feature,
//! which maturin turns on.

#![forbid(unsafe_code)]

pub mod checksums;
pub mod text;
pub mod validators;
pub mod verdict;

#[cfg(feature = "python")]
mod py;
