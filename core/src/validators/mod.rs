//! The built-in validators, one copy each; `piiscan.validators` wraps them.
//!
//! Each `validate_*` function receives the exact text a pattern matched and returns `None`
//! when it is not a valid identifier of that kind, otherwise a [`crate::verdict::Verdict`].

pub mod bank;
pub mod card;
pub mod email;
pub mod iban;
pub mod organisationsnummer;
pub mod personnummer;
pub mod phone;
pub mod postnummer;
// Issue 16: IP addresses, dates of birth, vehicle and identity document numbers.
pub mod birth_date;
pub mod identity_document;
pub mod ip;
pub mod vehicle;
// Issue 11: the address recognizer in the core.
pub mod address;
