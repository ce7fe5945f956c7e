//! The Python face of the core, `piiscan._core`: thin wrappers that convert arguments and
//! results and nothing else. The rules live in the plain Rust modules.
//!
//! A verdict crosses as `(normalized, strength, flags)`: the strength as the integer value of
//! `piiscan.validators.Strength` and the flags as a `frozenset` of names; the Python wrappers
//! build their `Verdict` from it. Nothing here formats an input into an error message.
//!
//! Every entry point runs under `guarded`: a panic (a bug) becomes a `RuntimeError` with a fixed
//! message, never PyO3's `PanicException`, whose message is the panic's and could quote the
//! input.

use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFrozenSet, PySlice, PyString, PyTuple};

use crate::checksums;
use crate::context::{ContextMatcher, StemRule};
use crate::engine::{
    Adjacency, Batch, Builtin, Candidates, Check, Checked, Engine as CoreEngine, Found, Narrowing,
    Outside, Rule, Source,
};
use crate::masking::Mask;
use crate::matcher::{CharOffsets, PatternSpec};
use crate::py_findings::FindingMaker;
use crate::validators::personnummer::{self, Date};
use crate::validators::{bank, card, organisationsnummer, postnummer};
use crate::validators::{email, iban, phone};
// Issue 16: IP addresses, dates of birth, vehicle and identity document numbers.
use crate::validators::{birth_date, identity_document, ip, vehicle};
use crate::verdict::{Strength, Verdict};

/// What a validator hands to Python: `(normalized, strength, flags)` or `None`.
type PyVerdict<'py> = Option<(String, Option<u8>, Bound<'py, PyFrozenSet>)>;

fn to_python(py: Python<'_>, verdict: Option<Verdict>) -> PyResult<PyVerdict<'_>> {
    let Some(verdict) = verdict else {
        return Ok(None);
    };
    let names: Vec<&str> = verdict.flags.iter().map(|flag| flag.name()).collect();
    let flags = PyFrozenSet::new(py, &names)?;
    Ok(Some((
        verdict.normalized,
        verdict.strength.map(|strength| strength as u8),
        flags,
    )))
}

fn date(year: i32, month: u32, day: u32) -> Date {
    Date { year, month, day }
}

fn not_digits() -> PyErr {
    PyValueError::new_err("expected only the digits 0-9")
}

/// The core's masked preview of `text` found as `entity`: `None` when Python masks it (no
/// copy in the core, or a value the core's copy leaves to Python). For the tests that hold
/// the core's masks to `piiscan.masking`.
#[pyfunction]
fn core_mask(entity: &str, text: &str) -> PyResult<Option<String>> {
    guarded(|| {
        Ok(Mask::for_entity(entity)
            .map(|mask| mask.apply(text))
            .filter(|masked| !masked.is_empty()))
    })
}

/// True when `digits` (only 0-9) passes the Luhn check, the check digit last.
#[pyfunction]
fn luhn(digits: &str) -> PyResult<bool> {
    guarded(|| Ok(checksums::luhn(digits)))
}

/// The digit that, appended to `payload` (only 0-9), makes it pass `luhn`.
#[pyfunction]
fn luhn_check_digit(payload: &str) -> PyResult<String> {
    guarded(|| {
        checksums::luhn_check_digit(payload)
            .map(String::from)
            .ok_or_else(not_digits)
    })
}

/// True when the weighted sum is 0 mod 11 (weights 1, 2, ... 10 from the right).
#[pyfunction]
fn mod11(digits: &str) -> PyResult<bool> {
    guarded(|| Ok(checksums::mod11(digits)))
}

/// The digit that completes `payload` for `mod11`, or `None` when no digit can.
#[pyfunction]
fn mod11_check_digit(payload: &str) -> PyResult<Option<String>> {
    guarded(|| {
        if !payload.bytes().all(|byte| byte.is_ascii_digit()) {
            return Err(not_digits());
        }
        Ok(checksums::mod11_check_digit(payload).map(String::from))
    })
}

/// True when `alnum` (digits and letters, IBAN order) is 1 mod 97.
#[pyfunction]
fn mod97(alnum: &str) -> PyResult<bool> {
    guarded(|| {
        checksums::mod97(alnum)
            .ok_or_else(|| PyValueError::new_err("expected digits and letters A-Z only"))
    })
}

/// The two digits that, appended to `payload`, make it pass `mod97`.
#[pyfunction]
fn mod97_check_digits(payload: &str) -> PyResult<String> {
    guarded(|| {
        checksums::mod97_check_digits(payload)
            .ok_or_else(|| PyValueError::new_err("expected digits and letters A-Z only"))
    })
}

/// A parsed identity number as `(digits12, kind, birth_date, impossible_date, separator,
/// explicit_century)`, `birth_date` as `(year, month, day)` or `None`.
type PyIdentity = (
    String,
    &'static str,
    Option<(i32, u32, u32)>,
    bool,
    &'static str,
    bool,
);

/// Parse a personnummer or samordningsnummer against the reference date `year-month-day`.
#[pyfunction]
fn parse_identity_number(
    candidate: &str,
    year: i32,
    month: u32,
    day: u32,
) -> PyResult<Option<PyIdentity>> {
    guarded(|| {
        Ok(
            personnummer::parse_identity_number(candidate, date(year, month, day)).map(
                |identity| {
                    (
                        identity.digits12,
                        identity.kind.name(),
                        identity
                            .birth_date
                            .map(|birth| (birth.year, birth.month, birth.day)),
                        identity.impossible_date,
                        identity.separator,
                        identity.explicit_century,
                    )
                },
            ),
        )
    })
}

/// Validate a personnummer against the reference date `year-month-day`.
#[pyfunction]
fn validate_personnummer<'py>(
    py: Python<'py>,
    candidate: &str,
    year: i32,
    month: u32,
    day: u32,
) -> PyResult<PyVerdict<'py>> {
    guarded(|| {
        to_python(
            py,
            personnummer::validate_personnummer(candidate, date(year, month, day)),
        )
    })
}

/// Validate a samordningsnummer against the reference date `year-month-day`.
#[pyfunction]
fn validate_samordningsnummer<'py>(
    py: Python<'py>,
    candidate: &str,
    year: i32,
    month: u32,
    day: u32,
) -> PyResult<PyVerdict<'py>> {
    guarded(|| {
        to_python(
            py,
            personnummer::validate_samordningsnummer(candidate, date(year, month, day)),
        )
    })
}

/// True when `digits12` is one of Skatteverket's published test numbers.
#[pyfunction]
fn is_skatteverket_test_number(digits12: &str) -> PyResult<bool> {
    guarded(|| Ok(personnummer::is_skatteverket_test_number(digits12)))
}

/// True when ten digits satisfy the organisationsnummer rules.
#[pyfunction]
fn is_organisationsnummer(digits10: &str) -> PyResult<bool> {
    guarded(|| Ok(organisationsnummer::is_organisationsnummer(digits10)))
}

/// The ten digits inside a Swedish VAT number, if their Luhn holds.
#[pyfunction]
fn parse_vat_number(candidate: &str) -> PyResult<Option<String>> {
    guarded(|| Ok(organisationsnummer::parse_vat_number(candidate)))
}

/// Validate an organisationsnummer in any of its written forms.
#[pyfunction]
fn validate_organisationsnummer<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| {
        to_python(
            py,
            organisationsnummer::validate_organisationsnummer(candidate),
        )
    })
}

/// The card brand whose IIN range and lengths fit `digits`.
#[pyfunction]
fn card_brand(digits: &str) -> PyResult<Option<&'static str>> {
    guarded(|| Ok(card::card_brand(digits)))
}

/// Validate a payment card number.
#[pyfunction]
fn validate_card<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, card::validate_card(candidate)))
}

/// A clearing range as `(start, end, iban_id, bic, bank, account_type, check, iban_method,
/// min_length, length)`.
type PyClearingRange = (
    u32,
    u32,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    usize,
    usize,
);

/// The clearing range a clearing number (four or five digits) belongs to.
#[pyfunction]
fn clearing_range(clearing: &str) -> PyResult<Option<PyClearingRange>> {
    guarded(|| {
        Ok(bank::clearing_range(clearing).map(|row| {
            (
                row.start,
                row.end,
                row.iban_id,
                row.bic,
                row.bank,
                row.account_type,
                row.check,
                row.iban_method,
                row.min_length,
                row.length,
            )
        }))
    })
}

/// Validate a bank account (clearing + account) against the reference date `year-month-day`
/// (a Nordea personkonto is checked for a personnummer).
#[pyfunction]
fn validate_bank_account<'py>(
    py: Python<'py>,
    candidate: &str,
    year: i32,
    month: u32,
    day: u32,
) -> PyResult<PyVerdict<'py>> {
    guarded(|| {
        to_python(
            py,
            bank::validate_bank_account(candidate, date(year, month, day)),
        )
    })
}

/// Validate a bankgiro number.
#[pyfunction]
fn validate_bankgiro<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, bank::validate_bankgiro(candidate)))
}

/// Validate a plusgiro number.
#[pyfunction]
fn validate_plusgiro<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, bank::validate_plusgiro(candidate)))
}

/// The postort of a five-digit postal code, as spelled in the gazetteer.
#[pyfunction]
fn postort_for(postnummer5: &str) -> PyResult<Option<&'static str>> {
    guarded(|| Ok(postnummer::postort_for(postnummer5)))
}

/// True when `name` is a postort in the gazetteer, ignoring case and surrounding space.
#[pyfunction]
fn is_known_postort(name: &str) -> PyResult<bool> {
    guarded(|| Ok(postnummer::is_known_postort(name)))
}

/// Validate a Swedish postal code.
#[pyfunction]
fn validate_postnummer<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, postnummer::validate_postnummer(candidate)))
}

// Issue 16: IP addresses, dates of birth, vehicle and identity document numbers.

/// Validate an IP address (IPv4 or IPv6).
#[pyfunction]
fn validate_ip_address<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, ip::validate_ip_address(candidate)))
}

/// Validate a date of birth against the reference date `year-month-day`.
#[pyfunction]
fn validate_birth_date<'py>(
    py: Python<'py>,
    candidate: &str,
    year: i32,
    month: u32,
    day: u32,
) -> PyResult<PyVerdict<'py>> {
    guarded(|| {
        to_python(
            py,
            birth_date::validate_birth_date(candidate, date(year, month, day)),
        )
    })
}

/// Validate a Swedish vehicle registration number.
#[pyfunction]
fn validate_vehicle_registration<'py>(
    py: Python<'py>,
    candidate: &str,
) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, vehicle::validate_vehicle_registration(candidate)))
}

/// Validate a Swedish passport or national identity card number.
#[pyfunction]
fn validate_identity_document<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, identity_document::validate_identity_document(candidate)))
}

/// Validate an IBAN of any country.
#[pyfunction]
fn validate_iban<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, iban::validate_iban(candidate)))
}

/// Validate a telephone number: `(True, None)` when its shape is one the core leaves to
/// phonenumbers (parentheses, another country), else `(False, verdict or None)`.
#[pyfunction]
fn validate_phone<'py>(py: Python<'py>, candidate: &str) -> PyResult<(bool, PyVerdict<'py>)> {
    guarded(|| match phone::validate_phone(candidate) {
        phone::Phone::Elsewhere => Ok((true, None)),
        phone::Phone::Rejected => Ok((false, None)),
        phone::Phone::Valid(verdict) => Ok((false, to_python(py, Some(verdict))?)),
    })
}

/// The `phonenumbers.PhoneNumberType` value of a Swedish national significant number.
#[pyfunction]
fn swedish_phone_type(national: &str) -> PyResult<u8> {
    guarded(|| Ok(phone::swedish_type(national) as u8))
}

/// The length of a Swedish national significant number's area code (0 when none).
#[pyfunction]
fn swedish_ndc_length(national: &str) -> PyResult<usize> {
    guarded(|| Ok(phone::swedish_ndc_length(national)))
}

/// True when an E.164 number lies in a PTS series reserved for fiction.
#[pyfunction]
fn is_pts_fictional(e164: &str) -> PyResult<bool> {
    guarded(|| Ok(phone::is_pts_fictional(e164)))
}

/// Validate an e-mail address with the offline top-level-domain list.
#[pyfunction]
fn validate_email<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, email::validate_email(candidate)))
}

/// True when `label` is a delegated top-level domain (U-label or `xn--` A-label).
#[pyfunction]
fn is_top_level_domain(label: &str) -> PyResult<bool> {
    guarded(|| Ok(email::is_top_level_domain(label)))
}

/// The top-level domains the core knows, as the package's data file lists them.
#[pyfunction]
fn top_level_domains() -> PyResult<Vec<&'static str>> {
    guarded(|| Ok(email::top_level_domain_list()))
}

/// The hot part of the person-name scan (`crate::names`), built once from the gazetteer and
/// the rules' word lists, all case-folded.
#[pyclass(name = "NameRules", module = "piiscan._core", frozen)]
struct PyNameRules {
    inner: crate::names::NameRules,
}

/// A run of name tokens as `(start, end, kind)`, offsets in characters.
type PyRun = Vec<(usize, usize, &'static str)>;

#[pymethods]
impl PyNameRules {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        first_names: std::collections::HashMap<String, u64>,
        surnames: Vec<String>,
        homographs: Vec<String>,
        places: Vec<String>,
        surname_suffixes: Vec<String>,
        street_endings: Vec<String>,
        field_labels: Vec<String>,
        closings: Vec<String>,
        closing_words: Vec<String>,
        greetings: Vec<String>,
        titles: Vec<String>,
        abbreviated_titles: Vec<String>,
    ) -> PyResult<Self> {
        let set = |words: Vec<String>| words.into_iter().collect();
        let lists = crate::names::WordLists {
            first_names: first_names.into_iter().collect(),
            surnames: set(surnames),
            homographs: set(homographs),
            places: set(places),
            surname_suffixes,
            street_endings,
            field_labels: set(field_labels),
            closings: set(closings),
            closing_words: set(closing_words),
            greetings: set(greetings),
            titles: set(titles),
            abbreviated_titles: set(abbreviated_titles),
        };
        crate::names::NameRules::new(lists)
            .map(|inner| PyNameRules { inner })
            .map_err(|error| PyValueError::new_err(error.to_string()))
    }

    /// `(runs, triggers)`: the runs of `text` that may hold a name candidate, as lists of
    /// `(start, end, kind)`, and the `(start, end)` of the words inside sentences that may
    /// send their sentence to the model.
    fn scan(&self, py: Python<'_>, text: &str) -> PyResult<PyRunsAndTriggers> {
        py.detach(|| {
            guarded(|| {
                let (groups, triggers) = self.inner.scan(text);
                let groups = groups
                    .into_iter()
                    .map(|run| {
                        run.into_iter()
                            .map(|token| (token.start, token.end, token.kind.name()))
                            .collect()
                    })
                    .collect();
                let triggers = triggers
                    .into_iter()
                    .map(|token| (token.start, token.end))
                    .collect();
                Ok((groups, triggers))
            })
        })
    }

    /// The name candidates of the runs `groups` of `text` (`rules.find_candidates`), each
    /// as `(start, end, strength, evidence, gazetteer_hit)`.
    fn weigh(
        &self,
        py: Python<'_>,
        text: &str,
        groups: Vec<PyRunIn>,
    ) -> PyResult<Vec<PyCandidate>> {
        py.detach(|| {
            guarded(|| {
                let groups: Vec<Vec<crate::names::Token>> = groups
                    .into_iter()
                    .map(|run| run.into_iter().map(token_in).collect())
                    .collect();
                Ok(self
                    .inner
                    .weigh(text, &groups)
                    .into_iter()
                    .map(candidate_out)
                    .collect())
            })
        })
    }

    /// `(candidates, triggers, windows)`: what [`PyNameRules::scan`],
    /// [`PyNameRules::weigh`] and [`PyNameRules::windows`] give, in one call that hands no
    /// run to Python.
    #[allow(clippy::type_complexity)]
    fn scan_weigh(
        &self,
        py: Python<'_>,
        text: &str,
    ) -> PyResult<(Vec<PyCandidate>, Vec<(usize, usize)>, Vec<(usize, usize)>)> {
        py.detach(|| {
            guarded(|| {
                let chars: Vec<char> = text.chars().collect();
                let (groups, triggers) = self.inner.scan_chars(&chars);
                let candidates = self.inner.weigh_chars(&chars, &groups);
                let windows = self.inner.windows(&chars, &candidates, &triggers);
                let triggers = triggers
                    .into_iter()
                    .map(|token| (token.start, token.end))
                    .collect();
                let candidates = candidates.into_iter().map(candidate_out).collect();
                Ok((candidates, triggers, windows))
            })
        })
    }

    /// The `(start, end)` windows the name model must read (`combine.model_windows`), from
    /// the candidates and the capitalised words (`(start, end, kind)`) of `text`.
    fn windows(
        &self,
        py: Python<'_>,
        text: &str,
        candidates: Vec<(usize, usize, u8, String, bool)>,
        words: Vec<(usize, usize, String)>,
    ) -> PyResult<Vec<(usize, usize)>> {
        let candidates = candidates
            .into_iter()
            .map(|(start, end, strength, evidence, hit)| {
                let evidence = crate::names_weigh::Evidence::from_name(&evidence)
                    .ok_or_else(|| PyValueError::new_err("unknown evidence"))?;
                Ok(crate::names_weigh::Candidate {
                    start,
                    end,
                    strength,
                    evidence,
                    hit,
                })
            })
            .collect::<PyResult<Vec<_>>>()?;
        py.detach(|| {
            guarded(|| {
                let chars: Vec<char> = text.chars().collect();
                let words: Vec<crate::names::Token> = words.into_iter().map(token_in).collect();
                let candidates: Vec<_> = candidates
                    .into_iter()
                    .filter(|c| c.start < c.end && c.end <= chars.len())
                    .collect();
                Ok(self.inner.windows(&chars, &candidates, &words))
            })
        })
    }

    /// The PERSON spans of `text` (`combine.combine`), each `(start, end, strength,
    /// evidence flags, gazetteer_hit)`, from the rules' candidates and the model's
    /// `(start, end, label)`.
    fn combine(
        &self,
        py: Python<'_>,
        text: &str,
        candidates: Vec<(usize, usize, u8, String, bool)>,
        model: Vec<(usize, usize, String)>,
    ) -> PyResult<Vec<PyPersonSpan>> {
        let candidates = candidates_in(candidates)?;
        py.detach(|| {
            guarded(|| {
                let chars: Vec<char> = text.chars().collect();
                let n = chars.len();
                let candidates: Vec<_> = candidates
                    .into_iter()
                    .filter(|c| c.start < c.end && c.end <= n)
                    .collect();
                let model: Vec<crate::names_combine::ModelSpan> = model
                    .iter()
                    .filter(|(start, end, _)| start < end && *end <= n)
                    .map(|(start, end, label)| {
                        crate::names_combine::ModelSpan::labelled(*start, *end, label)
                    })
                    .collect();
                let rules = &self.inner;
                Ok(rules
                    .combine(&chars, &candidates, &model)
                    .into_iter()
                    .map(|span| {
                        let hit = rules.has_gazetteer_word(&chars, span.start, span.end);
                        (span.start, span.end, span.strength, span.evidence, hit)
                    })
                    .collect())
            })
        })
    }
}

/// How the engine finishes PERSON spans (`PersonRecognizer.hits`): scores after context,
/// value forms and masks, built once per recognizer from its catalogue entry.
#[pyclass(name = "NameContext", module = "piiscan._core", frozen)]
struct PyNameContext {
    inner: crate::names_combine::NameContext,
    /// The stems as Python strings, by index.
    stems: Vec<Py<PyString>>,
    /// The score of each strength rounded as a finding's (index 0 unused).
    rounded: [f64; 4],
}

/// A combined PERSON span as Python hands it back: `(start, end, strength, flags,
/// gazetteer_hit)`.
type PySpanIn<'py> = (usize, usize, u8, Bound<'py, PyAny>, Option<bool>);
/// A finished PERSON span: `(start, end, score, value form, flags, context word, mask)`.
type PyNameHit<'py> = (
    usize,
    usize,
    f64,
    Bound<'py, PyAny>,
    Bound<'py, PyTuple>,
    Bound<'py, PyAny>,
    Bound<'py, PyAny>,
);

#[pymethods]
impl PyNameContext {
    /// :param stems: `(stem, rule)` pairs (`ContextMatcher.rules`).
    /// :param window: characters before and after a span where a stem counts.
    /// :param scores: the scores of `LOW`, `MEDIUM` and `HIGH`.
    /// :param rounded: the same, rounded as a finding's score is.
    #[new]
    fn new(
        py: Python<'_>,
        stems: Vec<(String, String)>,
        window: (usize, usize),
        scores: [f64; 3],
        rounded: [f64; 3],
    ) -> PyResult<Self> {
        let stems = stems
            .into_iter()
            .map(|(stem, rule)| {
                StemRule::from_name(&rule)
                    .map(|rule| (stem, rule))
                    .ok_or_else(|| PyValueError::new_err("unknown stem rule"))
            })
            .collect::<PyResult<Vec<_>>>()?;
        let names = stems
            .iter()
            .map(|(stem, _)| PyString::new(py, stem).unbind())
            .collect();
        Ok(PyNameContext {
            inner: crate::names_combine::NameContext::new(stems, window, scores),
            stems: names,
            rounded: [0.0, rounded[0], rounded[1], rounded[2]],
        })
    }

    /// The spans (`(start, end, strength, flags, gazetteer_hit)`, from `combine`) of `text`
    /// that start before `owned` and score above zero, each as `(start, end, score, value
    /// form, flags, context word, mask)`. `core_text` is `text` as the core takes it (a lone
    /// surrogate read as U+FFFD); `column`, the case-folded name of a column that names a
    /// person, else `None`. What the core has no copy of (a value form needing Unicode
    /// normalisation, a mask outside Latin) comes from `value_form` and `mask`, called with
    /// the span's text.
    #[allow(clippy::too_many_arguments)]
    fn hits<'py>(
        &self,
        py: Python<'py>,
        rules: Bound<'py, PyNameRules>,
        text: Bound<'py, PyString>,
        core_text: &str,
        spans: Vec<PySpanIn<'py>>,
        owned: usize,
        column: Option<Bound<'py, PyString>>,
        value_form: Bound<'py, PyAny>,
        mask: Bound<'py, PyAny>,
    ) -> PyResult<Vec<PyNameHit<'py>>> {
        let plain: Vec<crate::names_combine::SpanIn> = spans
            .iter()
            .map(|(start, end, strength, _, hit)| (*start, *end, *strength, *hit))
            .collect();
        let in_column = column.is_some();
        let name_rules = &rules.get().inner;
        let hits = py
            .detach(|| {
                guarded(|| {
                    Ok(self
                        .inner
                        .hits(name_rules, core_text, &plain, owned, in_column))
                })
            })?
            .ok_or_else(|| PyValueError::new_err("a span outside the text"))?;
        let empty = PyString::new(py, "").into_any();
        hits.into_iter()
            .map(|hit| {
                let (start, end, _, flags, _) = &spans[hit.span];
                let raw = || {
                    let bound = |at: usize| isize::try_from(at).unwrap_or(isize::MAX);
                    text.get_item(PySlice::new(py, bound(*start), bound(*end), 1))
                };
                let normalized = match hit.normalized {
                    Some(form) => PyString::new(py, &form).into_any(),
                    None => value_form.call1((raw()?,))?,
                };
                let masked = match hit.masked {
                    Some(form) => PyString::new(py, &form).into_any(),
                    None => mask.call1((raw()?,))?,
                };
                let flags = match flags.cast::<PyTuple>() {
                    Ok(tuple) => tuple.clone(),
                    Err(_) => PyTuple::new(py, flags.try_iter()?.collect::<PyResult<Vec<_>>>()?)?,
                };
                let word = match (&column, hit.stem) {
                    (Some(label), _) => label.clone().into_any(),
                    (None, Some(stem)) => self.stems[stem].bind(py).clone().into_any(),
                    (None, None) => empty.clone(),
                };
                let score = self.rounded[usize::from(hit.scored)];
                Ok((*start, *end, score, normalized, flags, word, masked))
            })
            .collect()
    }
}

fn candidates_in(
    candidates: Vec<(usize, usize, u8, String, bool)>,
) -> PyResult<Vec<crate::names_weigh::Candidate>> {
    candidates
        .into_iter()
        .map(|(start, end, strength, evidence, hit)| {
            let evidence = crate::names_weigh::Evidence::from_name(&evidence)
                .ok_or_else(|| PyValueError::new_err("unknown evidence"))?;
            Ok(crate::names_weigh::Candidate {
                start,
                end,
                strength,
                evidence,
                hit,
            })
        })
        .collect()
}

/// What `NameRules.scan` returns: the runs, and the `(start, end)` of the trigger words.
type PyRunsAndTriggers = (Vec<PyRun>, Vec<(usize, usize)>);
/// A run of name tokens as Python hands it in: `(start, end, kind)`.
type PyRunIn = Vec<(usize, usize, String)>;
/// A PERSON span: `(start, end, strength, evidence flags, some word a known name)`.
type PyPersonSpan = (usize, usize, u8, Vec<&'static str>, bool);
/// A name candidate: `(start, end, strength, evidence, gazetteer_hit)`.
type PyCandidate = (usize, usize, u8, &'static str, bool);

fn token_in((start, end, kind): (usize, usize, String)) -> crate::names::Token {
    let kind = match kind.as_str() {
        "initial" => crate::names::Kind::Initial,
        "particle" => crate::names::Kind::Particle,
        _ => crate::names::Kind::Word,
    };
    crate::names::Token { start, end, kind }
}

fn candidate_out(candidate: crate::names_weigh::Candidate) -> PyCandidate {
    (
        candidate.start,
        candidate.end,
        candidate.strength,
        candidate.evidence.name(),
        candidate.hit,
    )
}

/// One pattern as Python hands it over: `(regex, not_after, not_before)`.
type PyPattern = (String, Option<String>, Vec<Vec<String>>);

/// The patterns of a catalogue's recognizers, compiled once into linear-time matchers.
///
/// Built from `[(patterns, ignore_case), ...]`; `find(text)` returns
/// `(recognizer, pattern, start, end)` for every match, offsets in characters. Not yet used by
/// the engine: the Python patterns still decide what is found.
#[pyclass(name = "CompiledPatterns", module = "piiscan._core", frozen)]
struct PyCompiledPatterns {
    inner: crate::matcher::CompiledPatterns,
}

#[pymethods]
impl PyCompiledPatterns {
    #[new]
    fn new(recognizers: Vec<(Vec<PyPattern>, bool)>) -> PyResult<Self> {
        let specs: Vec<(Vec<PatternSpec>, bool)> = recognizers
            .into_iter()
            .map(|(patterns, ignore_case)| {
                let patterns = patterns
                    .into_iter()
                    .map(|(regex, not_after, not_before)| PatternSpec {
                        regex,
                        not_after,
                        not_before,
                    })
                    .collect();
                (patterns, ignore_case)
            })
            .collect();
        crate::matcher::CompiledPatterns::new(&specs)
            .map(|inner| PyCompiledPatterns { inner })
            .map_err(|error| PyValueError::new_err(error.to_string()))
    }

    /// `(recognizer, pattern, start, end)` of every match in `text`, in character offsets.
    fn find(&self, py: Python<'_>, text: &str) -> PyResult<Vec<(usize, usize, usize, usize)>> {
        py.detach(|| {
            guarded(|| {
                let mut candidates = self.inner.find_all(text);
                candidates.sort_by_key(|candidate| candidate.found.start);
                let mut offsets = CharOffsets::new(text);
                Ok(candidates
                    .into_iter()
                    .map(|candidate| {
                        let start = offsets.at(candidate.found.start);
                        (
                            candidate.recognizer,
                            candidate.found.pattern,
                            start,
                            start
                                + text[candidate.found.start..candidate.found.end]
                                    .chars()
                                    .count(),
                        )
                    })
                    .collect())
            })
        })
    }
}

// --- The engine (core-engine) -------------------------------------------------------------

/// `adjacent_to` as Python hands it over: `(entities, low score, medium score)`.
type PyAdjacency = Option<(Vec<String>, f64, f64)>;

/// One compiled recognizer as Python hands it over: `((patterns, candidates), ignore_case,
/// entity, check, strengths, scores, context, negative, window, priority, adjacency, order)`,
/// `candidates` as `(kind, min, max, before, after, starts_with, word_before, capital_after,
/// anchor)` with kind `digits`, `at`, `anchor` or `whole`. `check` is
/// `""` (no validator), the name of a core validator, or `"external"` (the callable given
/// for this recognizer); context stems come as `(stem, rule)` with rules as
/// `piiscan.engine.context` names them.
type PyRule = (
    (Vec<PyPattern>, PyCandidates),
    bool,
    String,
    String,
    Vec<u8>,
    (f64, f64, f64),
    Vec<(String, String)>,
    Vec<(String, String)>,
    (usize, usize),
    i64,
    PyAdjacency,
    usize,
);

/// Where a recognizer can match: `(kind, min, max, before, after, starts_with, word_before,
/// capital_after, anchor)`.
type PyCandidates = (
    String,
    usize,
    usize,
    usize,
    usize,
    String,
    Vec<String>,
    bool,
    Option<String>,
);

/// A finding made in Python: `(entity, start, end, score, priority, order, adjacency)`.
type PyOutside = (String, usize, usize, f64, i64, usize, PyAdjacency);

/// An outside finding of a batch: `(segment, *PyOutside)`.
type PyBatchOutside = (usize, String, usize, usize, f64, i64, usize, PyAdjacency);

/// A finding as returned: `(rule, outside, start, end, score, masked, normalized, flags,
/// context)`; `rule` is -1 for an outside finding and `outside` -1 for the core's own.
type PyFound = (
    isize,
    isize,
    usize,
    usize,
    f64,
    String,
    String,
    Vec<String>,
    String,
);

fn strength_of(value: u8) -> PyResult<Strength> {
    match value {
        1 => Ok(Strength::Low),
        2 => Ok(Strength::Medium),
        3 => Ok(Strength::High),
        _ => Err(PyValueError::new_err("strength must be 1, 2 or 3")),
    }
}

fn stems(words: Vec<(String, String)>) -> PyResult<ContextMatcher> {
    let rules = words
        .into_iter()
        .map(|(stem, rule)| {
            StemRule::from_name(&rule)
                .map(|rule| (stem, rule))
                .ok_or_else(|| PyValueError::new_err("context rule must be inside, word or head"))
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(ContextMatcher::new(rules))
}

fn adjacency(raw: PyAdjacency) -> Option<Adjacency> {
    raw.map(|(entities, low, medium)| Adjacency {
        entities,
        low,
        medium,
    })
}

fn outside_findings(raw: Vec<PyOutside>) -> Vec<Outside> {
    raw.into_iter()
        .map(
            |(entity, start, end, score, priority, order, adjacent)| Outside {
                entity,
                start,
                end,
                score,
                priority,
                order,
                adjacency: adjacency(adjacent),
            },
        )
        .collect()
}

fn to_found(found: Found) -> PyFound {
    let (rule, outside) = match found.source {
        Source::Core(rule) => (rule as isize, -1),
        Source::Outside(index) => (-1, index as isize),
    };
    (
        rule,
        outside,
        found.start,
        found.end,
        found.score,
        found.masked,
        found.normalized,
        found.flags,
        found.context,
    )
}

/// What a Python validator returned, read as the core's [`Checked`].
fn checked(verdict: &Bound<'_, PyAny>) -> PyResult<Option<Checked>> {
    if verdict.is_none() {
        return Ok(None);
    }
    let normalized: String = verdict.getattr("normalized")?.extract()?;
    let strength: Option<u8> = verdict.getattr("strength")?.extract()?;
    let mut flags = verdict
        .getattr("flags")?
        .try_iter()?
        .map(|flag| flag?.extract::<String>())
        .collect::<PyResult<Vec<String>>>()?;
    flags.sort();
    Ok(Some(Checked {
        normalized,
        strength: strength.map(strength_of).transpose()?,
        flags,
    }))
}

/// How many context objects of a batch are remembered by identity (a table's columns).
const MET_CONTEXTS: usize = 32;

/// Runs `work`, turning a panic into a Python exception that carries no text: the core never
/// unwinds into Python, and what it was reading never reaches a message.
fn guarded<T>(work: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|_| {
        Err(PyRuntimeError::new_err(
            "internal error in piiscan's core (a bug; the text is not shown)",
        ))
    })
}

/// The engine's hot path compiled: from a text (or many) to final findings in one call.
///
/// Built once per engine from the compiled catalogue recognizers (see
/// `piiscan.engine.analyzer`); `analyze` and `analyze_batch` return findings as flat tuples
/// (`PyFound`), offsets in characters.
#[pyclass(name = "CoreEngine", module = "piiscan._core", frozen)]
struct PyCoreEngine {
    inner: CoreEngine,
    /// The Python validator of each recognizer whose check is `external`.
    validators: Vec<Option<Py<PyAny>>>,
    external: bool,
}

impl PyCoreEngine {
    /// The findings of one text; without the GIL when nothing can call back into Python.
    fn found(
        &self,
        py: Python<'_>,
        text: &str,
        context: &[String],
        today: Date,
        outside: &[Outside],
    ) -> PyResult<Vec<Found>> {
        if self.external || text.len() < 4096 {
            return self.run(py, &mut self.inner.batch(), text, context, today, outside);
        }
        // Nothing calls back into Python: long texts run without the GIL.
        Ok(py
            .detach(|| {
                self.inner
                    .analyze(text, context, today, outside, &mut |_, _| {
                        Ok::<_, std::convert::Infallible>(None)
                    })
            })
            .unwrap_or_else(|never| match never {}))
    }

    fn run(
        &self,
        py: Python<'_>,
        batch: &mut Batch<'_>,
        text: &str,
        context: &[String],
        today: Date,
        outside: &[Outside],
    ) -> PyResult<Vec<Found>> {
        let validators = &self.validators;
        let mut validate = |rule: usize, value: &str| -> PyResult<Option<Checked>> {
            match &validators[rule] {
                Some(callable) => checked(&callable.bind(py).call1((value,))?),
                None => Ok(None),
            }
        };
        batch.analyze(text, context, today, outside, &mut validate)
    }
}

#[pymethods]
impl PyCoreEngine {
    #[new]
    fn new(
        recognizers: Vec<PyRule>,
        validators: Vec<Option<Py<PyAny>>>,
        min_score: f64,
    ) -> PyResult<Self> {
        if validators.len() != recognizers.len() {
            return Err(PyValueError::new_err("one validator slot per recognizer"));
        }
        let mut specs = Vec::with_capacity(recognizers.len());
        let mut rules = Vec::with_capacity(recognizers.len());
        for (
            (
                patterns,
                (kind, min, max, before, after, starts_with, word_before, capital_after, anchor),
            ),
            ignore_case,
            entity,
            check,
            strengths,
            scores,
            context,
            negative,
            window,
            priority,
            adjacent,
            order,
        ) in recognizers
        {
            let check = match check.as_str() {
                "" => Check::Nothing,
                "external" => Check::External,
                name => Check::Builtin(
                    Builtin::from_name(name)
                        .ok_or_else(|| PyValueError::new_err("unknown core validator"))?,
                ),
            };
            let patterns: Vec<PatternSpec> = patterns
                .into_iter()
                .map(|(regex, not_after, not_before)| PatternSpec {
                    regex,
                    not_after,
                    not_before,
                })
                .collect();
            if strengths.len() != patterns.len() {
                return Err(PyValueError::new_err("one strength per pattern"));
            }
            // An anchor the core cannot compile (lookaround) leaves the whole text searched.
            let anchor = anchor.and_then(|anchor| regex::Regex::new(&anchor).ok());
            let candidates = match kind.as_str() {
                "digits" => Candidates::Digits {
                    min,
                    max,
                    before,
                    after,
                },
                "at" => Candidates::At { before, after },
                "anchor" if anchor.is_some() => Candidates::Anchor { before, after },
                _ => Candidates::Whole,
            };
            rules.push(Rule {
                candidates,
                narrowing: Narrowing {
                    starts_with: starts_with.chars().collect(),
                    word_before,
                    capital_after,
                    anchor,
                },
                mask: Mask::for_entity(&entity),
                entity,
                check,
                strengths: strengths
                    .into_iter()
                    .map(strength_of)
                    .collect::<PyResult<_>>()?,
                scores: [scores.0, scores.1, scores.2],
                context: stems(context)?,
                negative: stems(negative)?,
                window,
                priority,
                adjacency: adjacency(adjacent),
                order,
            });
            specs.push((patterns, ignore_case));
        }
        let patterns = crate::matcher::CompiledPatterns::new(&specs)
            .map_err(|error| PyValueError::new_err(error.to_string()))?;
        // Whether a call may need the GIL for a Python validator.
        let external = validators.iter().any(Option::is_some);
        Ok(PyCoreEngine {
            inner: CoreEngine::new(patterns, rules, min_score),
            validators,
            external,
        })
    }

    /// Reads `text` once and forgets what it found, so the engine's lazy automata build the
    /// states such text needs now rather than on the first texts it is given. Validators in
    /// Python are not called.
    fn warm_up(&self, py: Python<'_>, text: &str) {
        py.detach(|| self.inner.warm_up(text));
    }

    /// Final findings of one text. `today` is `(year, month, day)`, the reference date of the
    /// identity-number validators; `outside` the findings made in Python (`PyOutside`).
    fn analyze(
        &self,
        py: Python<'_>,
        text: &str,
        context: Vec<String>,
        today: (i32, u32, u32),
        outside: Vec<PyOutside>,
    ) -> PyResult<Vec<PyFound>> {
        let today = date(today.0, today.1, today.2);
        let outside = outside_findings(outside);
        guarded(|| {
            let found = self.found(py, text, &context, today, &outside)?;
            Ok(found.into_iter().map(to_found).collect())
        })
    }

    /// [`Self::analyze`] returning `piiscan.model.Finding` objects made by `maker`, each with
    /// `locator`; `made_outside` are the findings `outside` describes, returned as they are
    /// (or replaced with a neighbour's score and context).
    #[allow(clippy::too_many_arguments)]
    fn analyze_findings(
        &self,
        py: Python<'_>,
        maker: &Bound<'_, FindingMaker>,
        text: Bound<'_, PyString>,
        context: Vec<String>,
        today: (i32, u32, u32),
        outside: Vec<PyOutside>,
        made_outside: Vec<Bound<'_, PyAny>>,
        locator: Bound<'_, PyString>,
    ) -> PyResult<Vec<Py<PyAny>>> {
        let today = date(today.0, today.1, today.2);
        let outside = outside_findings(outside);
        let maker = maker.get();
        guarded(|| {
            self.found(py, text.to_str()?, &context, today, &outside)?
                .into_iter()
                .map(|found| maker.make(py, found, &text, &locator, &made_outside))
                .collect()
        })
    }

    /// Final findings of many segments in one call: `(segment, *PyFound)` tuples, flat, in
    /// segment order. Segment `i` reads the outside words `contexts[context_of[i]]`; `outside`
    /// holds `(segment, *PyOutside)`.
    fn analyze_batch(
        &self,
        py: Python<'_>,
        texts: Vec<Bound<'_, PyString>>,
        contexts: Vec<Vec<String>>,
        context_of: Vec<usize>,
        today: (i32, u32, u32),
        outside: Vec<PyBatchOutside>,
    ) -> PyResult<Vec<(usize, PyFound)>> {
        let mut results = Vec::new();
        self.each_segment(
            py,
            &texts,
            &contexts,
            &context_of,
            today,
            outside,
            |segment, found| {
                results.extend(found.into_iter().map(|found| (segment, to_found(found))));
                Ok(())
            },
        )?;
        Ok(results)
    }

    /// [`Self::analyze_batch`] over `piiscan.model.Segment` objects, returning one list of
    /// `piiscan.model.Finding` objects per segment, made by `maker`: each segment's `text`,
    /// `context` and `locator` are read here (no list of them is built in Python first), and
    /// `made_outside[i]` are the findings `outside` describes for segment `i` (empty when
    /// there are none).
    fn analyze_batch_findings(
        &self,
        py: Python<'_>,
        maker: &Bound<'_, FindingMaker>,
        segments: Vec<Bound<'_, PyAny>>,
        today: (i32, u32, u32),
        outside: Vec<PyBatchOutside>,
        made_outside: Vec<Vec<Bound<'_, PyAny>>>,
    ) -> PyResult<Vec<Vec<Py<PyAny>>>> {
        let mut texts = Vec::with_capacity(segments.len());
        let mut locators = Vec::with_capacity(segments.len());
        let mut context_of = Vec::with_capacity(segments.len());
        let mut contexts: Vec<Vec<String>> = Vec::new();
        // The distinct contexts (a batch holds few: a sheet's or a table's column names), as
        // the Python dict of `_analyze_batch` kept them; the previous segment's context object
        // is usually the same object.
        let seen = PyDict::new(py);
        // The context objects met so far, looked for by identity before the dict is asked
        // (which hashes the tuple): the columns of a sheet take turns.
        let mut met: Vec<(Bound<'_, PyAny>, usize)> = Vec::new();
        for segment in &segments {
            texts.push(
                segment
                    .getattr(intern!(py, "text"))?
                    .cast_into::<PyString>()?,
            );
            locators.push(
                segment
                    .getattr(intern!(py, "locator"))?
                    .cast_into::<PyString>()?,
            );
            let context = segment.getattr(intern!(py, "context"))?;
            let index = match met.iter().find(|(object, _)| object.is(&context)) {
                Some((_, index)) => *index,
                None => {
                    let index = match seen.get_item(&context)? {
                        Some(index) => index.extract::<usize>()?,
                        None => {
                            let index = contexts.len();
                            contexts.push(context.extract()?);
                            seen.set_item(&context, index)?;
                            index
                        }
                    };
                    if met.len() < MET_CONTEXTS {
                        met.push((context, index));
                    }
                    index
                }
            };
            context_of.push(index);
        }
        let maker = maker.get();
        let mut results: Vec<Vec<Py<PyAny>>> = Vec::with_capacity(texts.len());
        self.each_segment(
            py,
            &texts,
            &contexts,
            &context_of,
            today,
            outside,
            |segment, found| {
                let outside = made_outside.get(segment).map_or(&[][..], Vec::as_slice);
                let made = found
                    .into_iter()
                    .map(|found| {
                        maker.make(py, found, &texts[segment], &locators[segment], outside)
                    })
                    .collect::<PyResult<Vec<_>>>()?;
                results.push(made);
                Ok(())
            },
        )?;
        Ok(results)
    }
}

impl PyCoreEngine {
    /// Runs the engine over each segment in order, handing `take` the segment's number and
    /// its findings.
    #[allow(clippy::too_many_arguments)]
    fn each_segment(
        &self,
        py: Python<'_>,
        texts: &[Bound<'_, PyString>],
        contexts: &[Vec<String>],
        context_of: &[usize],
        today: (i32, u32, u32),
        outside: Vec<PyBatchOutside>,
        mut take: impl FnMut(usize, Vec<Found>) -> PyResult<()>,
    ) -> PyResult<()> {
        if context_of.len() != texts.len() || context_of.iter().any(|&c| c >= contexts.len()) {
            return Err(PyValueError::new_err("one valid context index per segment"));
        }
        let today = date(today.0, today.1, today.2);
        let mut by_segment: Vec<Vec<Outside>> = Vec::new();
        for (segment, entity, start, end, score, priority, order, adjacent) in outside {
            if segment >= texts.len() {
                return Err(PyValueError::new_err("outside finding of no segment"));
            }
            if by_segment.len() < texts.len() {
                by_segment.resize(texts.len(), Vec::new());
            }
            by_segment[segment].push(Outside {
                entity,
                start,
                end,
                score,
                priority,
                order,
                adjacency: adjacency(adjacent),
            });
        }
        guarded(|| {
            // One set of caches and buffers for every segment.
            let mut batch = self.inner.batch();
            for (segment, text) in texts.iter().enumerate() {
                let text = text.to_str()?;
                let outside = by_segment.get(segment).map_or(&[][..], Vec::as_slice);
                let context = &contexts[context_of[segment]];
                let found = self.run(py, &mut batch, text, context, today, outside)?;
                take(segment, found)?;
            }
            Ok(())
        })
    }
}

/// Panics on purpose inside the guard every entry point runs in (the one test hook): the tests
/// prove that a panic in the core reaches Python as a `RuntimeError` without the panic's text,
/// and a scan as an `error` row, never an abort.
#[pyfunction]
fn _panic_for_test() -> PyResult<()> {
    guarded(|| panic!("deliberate panic for the test"))
}

/// Validate a Swedish postal address (street line and/or postnummer + postort).
#[pyfunction]
fn validate_address<'py>(py: Python<'py>, candidate: &str) -> PyResult<PyVerdict<'py>> {
    guarded(|| to_python(py, crate::validators::address::validate_address(candidate)))
}

/// piiscan's compiled core.
#[pymodule]
#[pyo3(name = "_core")]
fn core_module(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_function(wrap_pyfunction!(luhn, module)?)?;
    module.add_function(wrap_pyfunction!(luhn_check_digit, module)?)?;
    module.add_function(wrap_pyfunction!(mod11, module)?)?;
    module.add_function(wrap_pyfunction!(mod11_check_digit, module)?)?;
    module.add_function(wrap_pyfunction!(mod97, module)?)?;
    module.add_function(wrap_pyfunction!(mod97_check_digits, module)?)?;
    module.add_function(wrap_pyfunction!(parse_identity_number, module)?)?;
    module.add_function(wrap_pyfunction!(validate_personnummer, module)?)?;
    module.add_function(wrap_pyfunction!(validate_samordningsnummer, module)?)?;
    module.add_function(wrap_pyfunction!(is_skatteverket_test_number, module)?)?;
    module.add_function(wrap_pyfunction!(is_organisationsnummer, module)?)?;
    module.add_function(wrap_pyfunction!(parse_vat_number, module)?)?;
    module.add_function(wrap_pyfunction!(validate_organisationsnummer, module)?)?;
    module.add_function(wrap_pyfunction!(card_brand, module)?)?;
    module.add_function(wrap_pyfunction!(validate_card, module)?)?;
    module.add_function(wrap_pyfunction!(clearing_range, module)?)?;
    module.add_function(wrap_pyfunction!(validate_bank_account, module)?)?;
    module.add_function(wrap_pyfunction!(validate_bankgiro, module)?)?;
    module.add_function(wrap_pyfunction!(validate_plusgiro, module)?)?;
    module.add_function(wrap_pyfunction!(postort_for, module)?)?;
    module.add_function(wrap_pyfunction!(is_known_postort, module)?)?;
    module.add_function(wrap_pyfunction!(validate_postnummer, module)?)?;
    module.add_function(wrap_pyfunction!(validate_iban, module)?)?;
    module.add_function(wrap_pyfunction!(validate_phone, module)?)?;
    module.add_function(wrap_pyfunction!(swedish_phone_type, module)?)?;
    module.add_function(wrap_pyfunction!(swedish_ndc_length, module)?)?;
    module.add_function(wrap_pyfunction!(is_pts_fictional, module)?)?;
    module.add_function(wrap_pyfunction!(validate_email, module)?)?;
    module.add_function(wrap_pyfunction!(is_top_level_domain, module)?)?;
    module.add_function(wrap_pyfunction!(top_level_domains, module)?)?;
    module.add_class::<PyNameRules>()?;
    module.add_class::<PyNameContext>()?;
    module.add_class::<PyCompiledPatterns>()?;
    // Issue 16: IP addresses, dates of birth, vehicle and identity document numbers.
    module.add_function(wrap_pyfunction!(validate_ip_address, module)?)?;
    module.add_function(wrap_pyfunction!(validate_birth_date, module)?)?;
    module.add_function(wrap_pyfunction!(validate_vehicle_registration, module)?)?;
    module.add_function(wrap_pyfunction!(validate_identity_document, module)?)?;
    module.add_class::<PyCoreEngine>()?;
    module.add_class::<FindingMaker>()?;
    module.add_function(wrap_pyfunction!(_panic_for_test, module)?)?;
    module.add_function(wrap_pyfunction!(validate_address, module)?)?;
    module.add_function(wrap_pyfunction!(core_mask, module)?)?;
    // A panic message may quote what the core was reading: print none (the guard turns the
    // panic into an exception that says it was a bug).
    std::panic::set_hook(Box::new(|_| {}));
    Ok(())
}
