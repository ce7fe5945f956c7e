//! The engine's hot path: from a text to its final findings in one call.
//!
//! For every compiled catalogue recognizer: its matches over the whole text ([`matcher`]),
//! validation (a built-in validator here, a plug-in one through a callback), context words
//! and negative labels ([`context`]), score tiers; then, together with the findings the
//! Python side made (names, recognizers outside the core's pattern subset), `adjacent_to`
//! corroboration and overlap resolution across entity types, the minimum score, masks and
//! context labels. Each step ports a Python function of `piiscan.engine` and keeps its
//! behaviour; the comments name it.
//!
//! Offsets are bytes of the UTF-8 text while the engine works and Python characters in what
//! it returns.

use crate::context::{chars_back, chars_forward, lower_in_place, ContextMatcher};
use crate::masking::Mask;
use crate::matcher::{CharOffsets, CompiledPatterns, PatternMatch};
use crate::one_pass::{OnePass, PassCaches, Start};
use crate::validators::personnummer::Date;
use crate::validators::{address, birth_date, email, iban, identity_document, ip, phone, vehicle};
use crate::validators::{bank, card, organisationsnummer, personnummer, postnummer};
use crate::verdict::{Strength, Verdict};

/// A negative word counts when it stands this many characters before a match or closer
/// (`piiscan.engine.recognizers.NEGATIVE_WINDOW`).
pub const NEGATIVE_WINDOW: usize = 24;

/// A validator that lives in the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builtin {
    Personnummer,
    Samordningsnummer,
    Organisationsnummer,
    Card,
    Bankgiro,
    Plusgiro,
    BankAccount,
    Postnummer,
    IpAddress,
    BirthDate,
    VehicleRegistration,
    IdentityDocument,
    Iban,
    Email,
    /// Swedish numbers in the core; other shapes (parentheses, another country) through the
    /// Python callback (phonenumbers).
    Phone,
    Address,
}

impl Builtin {
    /// The validator registered under `name` in `piiscan.validators`' entry points.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "personnummer" => Builtin::Personnummer,
            "samordningsnummer" => Builtin::Samordningsnummer,
            "organisationsnummer" => Builtin::Organisationsnummer,
            "credit_card" => Builtin::Card,
            "bankgiro" => Builtin::Bankgiro,
            "plusgiro" => Builtin::Plusgiro,
            "bank_account" => Builtin::BankAccount,
            "postnummer" => Builtin::Postnummer,
            "ip_address" => Builtin::IpAddress,
            "birth_date" => Builtin::BirthDate,
            "vehicle_registration" => Builtin::VehicleRegistration,
            "identity_document" => Builtin::IdentityDocument,
            "iban" => Builtin::Iban,
            "email" => Builtin::Email,
            "phone" => Builtin::Phone,
            "address" => Builtin::Address,
            _ => return None,
        })
    }

    /// A value in the validator's shape, read once when an engine is built so that the
    /// tables it loads on first use (the postnummer gazetteer, the clearing ranges, the
    /// numbering plan, the domain list) are loaded then, not while the first text is read.
    fn sample(self) -> &'static str {
        match self {
            Builtin::Personnummer | Builtin::Samordningsnummer | Builtin::BirthDate => {
                "19121212-1212"
            }
            Builtin::Organisationsnummer => "556016-0680",
            Builtin::Card => "4111 1111 1111 1111",
            Builtin::Bankgiro => "5402-9681",
            Builtin::Plusgiro => "28 65 43-4",
            Builtin::BankAccount => "8327-9, 913 062 155-8",
            Builtin::Postnummer => "111 22 Stockholm",
            Builtin::IpAddress => "192.0.2.1",
            Builtin::VehicleRegistration => "ABC 123",
            Builtin::IdentityDocument => "12345678",
            Builtin::Iban => "SE45 5000 0000 0583 9825 7466",
            Builtin::Email => "a@example.se",
            Builtin::Phone => "08-123 456 78",
            Builtin::Address => "Storgatan 1, 111 22 Stockholm",
        }
    }

    /// True when the validator's verdict never holds a strength above its pattern's: it
    /// leaves the strength to the pattern (`None`) or sets [`Strength::Low`]
    /// ([`Engine::recognize`] drops a match these cannot lift above the floor unvalidated).
    fn never_stronger(self) -> bool {
        matches!(
            self,
            Builtin::BirthDate
                | Builtin::IdentityDocument
                | Builtin::VehicleRegistration
                | Builtin::IpAddress
        )
    }

    /// `Err(())`: not decided here, the caller's callback decides.
    fn validate(self, candidate: &str, today: Date) -> Result<Option<Verdict>, ()> {
        Ok(match self {
            Builtin::Personnummer => personnummer::validate_personnummer(candidate, today),
            Builtin::Samordningsnummer => {
                personnummer::validate_samordningsnummer(candidate, today)
            }
            Builtin::Organisationsnummer => {
                organisationsnummer::validate_organisationsnummer(candidate)
            }
            Builtin::Card => card::validate_card(candidate),
            Builtin::Bankgiro => bank::validate_bankgiro(candidate),
            Builtin::Plusgiro => bank::validate_plusgiro(candidate),
            Builtin::BankAccount => bank::validate_bank_account(candidate, today),
            Builtin::Postnummer => postnummer::validate_postnummer(candidate),
            Builtin::IpAddress => ip::validate_ip_address(candidate),
            Builtin::BirthDate => birth_date::validate_birth_date(candidate, today),
            Builtin::VehicleRegistration => vehicle::validate_vehicle_registration(candidate),
            Builtin::IdentityDocument => identity_document::validate_identity_document(candidate),
            Builtin::Iban => iban::validate_iban(candidate),
            Builtin::Email => email::validate_email(candidate),
            Builtin::Phone => match phone::validate_phone(candidate) {
                phone::Phone::Rejected => None,
                phone::Phone::Valid(verdict) => Some(verdict),
                phone::Phone::Elsewhere => return Err(()),
            },
            Builtin::Address => address::validate_address(candidate),
        })
    }
}

/// How a recognizer's matches are validated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// No validator: every match counts, its text is its normalised value.
    Nothing,
    /// A validator of the core.
    Builtin(Builtin),
    /// A validator outside the core (a plug-in, or one not yet ported): the caller's callback.
    External,
}

/// A validator's answer, whichever side gave it.
#[derive(Clone, PartialEq, Eq)]
pub struct Checked {
    pub normalized: String,
    pub strength: Option<Strength>,
    /// Flag names, sorted.
    pub flags: Vec<String>,
}

impl From<Verdict> for Checked {
    fn from(verdict: Verdict) -> Self {
        let mut flags: Vec<String> = verdict
            .flags
            .iter()
            .map(|flag| flag.name().to_owned())
            .collect();
        flags.sort();
        Checked {
            normalized: verdict.normalized,
            strength: verdict.strength,
            flags,
        }
    }
}

/// `adjacent_to`: a weak match right beside a finding of one of `entities` rises one tier.
#[derive(Clone, Debug, PartialEq)]
pub struct Adjacency {
    pub entities: Vec<String>,
    /// The score of a weak (low) match.
    pub low: f64,
    /// The score one tier up (medium).
    pub medium: f64,
}

/// Where a recognizer's patterns can match (the catalogue's `candidates`): the core searches
/// only windows around those places, as the Python engine did, instead of the whole text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Candidates {
    /// Anywhere: the whole text is searched.
    Whole,
    /// Around runs of digits (with the separators identifiers are written with) holding
    /// `min` to `max` digits (more when the run holds a space: two values side by side);
    /// `before`/`after` characters widen each window.
    Digits {
        min: usize,
        max: usize,
        before: usize,
        after: usize,
    },
    /// Around `@` signs.
    At { before: usize, after: usize },
    /// Around the matches of the rule's cheap `anchor` regex ([`Narrowing::anchor`]).
    Anchor { before: usize, after: usize },
}

/// What narrows a rule's candidates further (`piiscan.engine.candidates.CandidateIndex`):
/// a house number is any 1-5 digits, so the address looks only at runs after a street word
/// or before a postort; a phone number starts with `0`, `+` or `(`.
#[derive(Clone, Debug, Default)]
pub struct Narrowing {
    /// A run without a space counts only when its first character, or the one before it,
    /// is one of these.
    pub starts_with: Vec<char>,
    /// A run counts when the word before it (within 16 characters) ends with one of these
    /// (case-folded) ...
    pub word_before: Vec<String>,
    /// ... or when a space and a capital letter follow it.
    pub capital_after: bool,
    /// The regex of [`Candidates::Anchor`].
    pub anchor: Option<regex::Regex>,
}

impl Narrowing {
    /// True when the digit run `text[start..end]` (`spaced`: it holds a space) counts.
    fn accepts(&self, text: &str, start: usize, end: usize, spaced: bool) -> bool {
        if !self.starts_with.is_empty() && !spaced {
            let first = text[start..].chars().next();
            let before = text[..start].chars().next_back();
            let starts = |c: Option<char>| c.is_some_and(|c| self.starts_with.contains(&c));
            if !starts(first) && !starts(before) {
                return false;
            }
        }
        if self.word_before.is_empty() && !self.capital_after {
            return true;
        }
        if !self.word_before.is_empty() {
            let word = &text[chars_back(text, start, 16)..start];
            let word = word.trim_end_matches(crate::text::is_python_space);
            let found = if word.is_ascii() {
                // ASCII folds to its lower case: compared in place, nothing allocated.
                let word = word.as_bytes();
                self.word_before.iter().any(|ending| {
                    let ending = ending.as_bytes();
                    ending.len() <= word.len()
                        && word[word.len() - ending.len()..]
                            .iter()
                            .zip(ending)
                            .all(|(&written, &wanted)| written.to_ascii_lowercase() == wanted)
                })
            } else {
                let word = crate::text::casefold(word);
                self.word_before
                    .iter()
                    .any(|ending| word.ends_with(ending.as_str()))
            };
            if found {
                return true;
            }
        }
        if self.capital_after {
            let mut after = text[end..].chars();
            if after.next() == Some(' ') && after.next().is_some_and(char::is_uppercase) {
                return true;
            }
        }
        false
    }
}

/// One compiled recognizer's settings, from its catalogue entry. Its patterns are the
/// recognizer of the same index in the engine's [`CompiledPatterns`].
#[derive(Clone, Debug)]
pub struct Rule {
    pub entity: String,
    pub check: Check,
    /// The strength of each pattern, in the matcher's order (strongest first).
    pub strengths: Vec<Strength>,
    /// Scores of the low, medium and high tiers.
    pub scores: [f64; 3],
    pub context: ContextMatcher,
    pub negative: ContextMatcher,
    /// Characters before and after a match where context words count.
    pub window: (usize, usize),
    pub priority: i64,
    pub adjacency: Option<Adjacency>,
    /// Position of the recognizer in the catalogue: ties in overlap resolution keep this
    /// order, as the Python engine's list of findings did.
    pub order: usize,
    /// `None`: masked in Python (the finding's `masked` is left empty).
    pub mask: Option<Mask>,
    pub candidates: Candidates,
    pub narrowing: Narrowing,
}

impl Rule {
    fn score(&self, strength: Strength) -> f64 {
        self.scores[strength as usize - 1]
    }

    /// The highest score of `strength` and the tiers below it.
    fn best_score_up_to(&self, strength: Strength) -> f64 {
        self.scores[..strength as usize]
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

/// A finding made outside the core (names, recognizers on the Python path), handed in so
/// that corroboration and overlap resolution see every finding. Offsets in characters.
#[derive(Clone, Debug, PartialEq)]
pub struct Outside {
    pub entity: String,
    pub start: usize,
    pub end: usize,
    pub score: f64,
    pub priority: i64,
    pub order: usize,
    pub adjacency: Option<Adjacency>,
}

/// Where a final finding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The compiled recognizer of this index.
    Core(usize),
    /// The outside finding of this index.
    Outside(usize),
}

/// A finding that survived: offsets in characters. For an outside finding only `source`,
/// the offsets, `score` and `context` (set when corroboration raised it) mean anything.
#[derive(Clone, PartialEq)]
pub struct Found {
    pub source: Source,
    pub start: usize,
    pub end: usize,
    pub score: f64,
    pub masked: String,
    pub normalized: String,
    pub flags: Vec<String>,
    pub context: String,
}

impl std::fmt::Debug for Found {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // No value, not even masked: a debug line must never carry what was found.
        formatter
            .debug_struct("Found")
            .field("source", &self.source)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("score", &self.score)
            .finish_non_exhaustive()
    }
}

/// A finding while the engine works (byte and character offsets both).
struct Item {
    source: Source,
    /// Byte span (for text slices).
    start: usize,
    end: usize,
    /// Character span (for ordering and what is returned).
    char_start: usize,
    char_end: usize,
    score: f64,
    priority: i64,
    order: (usize, usize),
    /// Index of the entity in the engine's list of entity names.
    entity: usize,
    normalized: String,
    flags: Vec<String>,
    /// Context stem that raised it, or the entity of the neighbour that corroborated it.
    word: String,
    corroborated: bool,
}

/// The compiled engine: patterns and rules, built once.
#[derive(Clone, Debug)]
pub struct Engine {
    patterns: CompiledPatterns,
    rules: Vec<Rule>,
    min_score: f64,
    /// A run of digits with the separators identifiers are written with
    /// (`piiscan.engine.candidates`).
    digit_run: regex::Regex,
    /// True when some recognizer outside the one pass searches the whole text (the
    /// prefilter pass is worth it).
    any_whole: bool,
    /// For each rule outside the one pass that has candidate windows: a pass of its own,
    /// run over its windows only (an e-mail address's local part may begin at any word, so
    /// its starts are looked for only around `@` signs).
    own_pass: Vec<Option<OnePass>>,
    /// Which places (digit runs, `@` signs) a text's rules outside the one pass need, when
    /// the pass ran and when it gave up: the same for every text, so worked out once.
    places_with_pass: (bool, bool),
    places_without_pass: (bool, bool),
}

/// What [`Engine::analyze`] reuses from one text to the next: the lazy DFA caches of the
/// passes (taken out of their pools once, not once per text) and the buffers a text's
/// analysis fills. The cells of a batch share one ([`Engine::batch`]): a short cell then
/// allocates little and locks no pool.
pub struct Batch<'e> {
    engine: &'e Engine,
    /// The caches of the patterns' one pass, and of each rule's own pass once used.
    pass: Option<PassCaches>,
    own: Vec<Option<PassCaches>>,
    starts: Vec<Start>,
    /// Per recognizer: the one pass's `(offset, pattern)` starts, then its confirmed matches.
    by_recognizer: Vec<Vec<(usize, usize)>>,
    found: Vec<Vec<PatternMatch>>,
    /// The matches of a rule outside the one pass, and its starts.
    own_matches: Vec<PatternMatch>,
    own_starts: Vec<(usize, usize)>,
    by_span: SpanMap,
    scratch: String,
    lowered: LoweredBuffers,
    /// Per outside context met lately (a batch's cells take turns between a few column
    /// names), the stem each rule finds in it, once looked up ([`OutsideWords`]).
    outside_words: Vec<(Vec<String>, OutsideWords)>,
}

/// Per rule, the first context stem in a segment's outside words: `None` until looked up.
type OutsideWords = Vec<Option<Option<usize>>>;

/// How many distinct outside contexts a batch remembers the stems of (a sheet's or a
/// table's columns); when more come, it starts over.
const OUTSIDE_CONTEXTS: usize = 64;

impl Drop for Batch<'_> {
    fn drop(&mut self) {
        // A panic may have stopped a pass half-way: its caches are not given back.
        if std::thread::panicking() {
            return;
        }
        if let Some(caches) = self.pass.take() {
            self.engine.patterns.one_pass().give_back(caches);
        }
        for (own, pass) in self.own.iter_mut().zip(&self.engine.own_pass) {
            if let (Some(caches), Some(pass)) = (own.take(), pass) {
                pass.give_back(caches);
            }
        }
    }
}

/// Digit runs `(start, end, digits, spaced)` and `@` positions of one text, in bytes.
#[derive(Default)]
struct Places {
    runs: Vec<(usize, usize, usize, bool)>,
    ats: Vec<usize>,
}

impl Places {
    /// The places of `text`: its digit runs when `runs`, its `@` signs when `ats` (the
    /// recognizers in the one pass need neither).
    fn of(text: &str, digit_run: &regex::Regex, runs: bool, ats: bool) -> Self {
        let mut places = Places::default();
        if ats {
            places.ats = memchr::memchr_iter(b'@', text.as_bytes()).collect();
        }
        // Most short cells hold no digit: no search for runs then (`has_digit` reads every
        // character `\d` matches, and a few more).
        if !runs || !has_digit(text) {
            return places;
        }
        for run in digit_run.find_iter(text) {
            let value = run.as_str();
            let mut digits = 0;
            let mut spaced = false;
            for character in value.chars() {
                match character {
                    ' ' | '\t' | '\n' | '\r' | '\u{a0}' => spaced = true,
                    '-' | '+' | '/' | '.' | '–' | '(' | ')' | '\u{b}' | '\u{c}' => {}
                    _ => digits += 1,
                }
            }
            places.runs.push((run.start(), run.end(), digits, spaced));
        }
        places
    }

    /// Merged byte windows `(low, high)` for `rule`'s candidates, and within them where a
    /// match can start: a match holds the digits or the anchor its window is built around, so
    /// it starts before their end (an e-mail address before its `@`, not in the 260
    /// characters after it, where only its domain runs).
    fn windows(&self, text: &str, rule: &Rule) -> (Ranges, Ranges) {
        let narrowing = &rule.narrowing;
        let whole = || (vec![(0, text.len())], vec![(0, text.len())]);
        let mut merged: Vec<(usize, usize)> = Vec::new();
        let mut starts: Vec<(usize, usize)> = Vec::new();
        // Each span widened to its window, merged into the windows before it as it comes.
        let mut add = |start: usize, end: usize, before: usize, after: usize| {
            let low = chars_back(text, start, before);
            let high = chars_forward(text, end, after);
            for (ranges, high) in [(&mut merged, high), (&mut starts, end)] {
                match ranges.last_mut() {
                    Some(last) if low <= last.1 => last.1 = last.1.max(high),
                    _ => ranges.push((low, high)),
                }
            }
        };
        match rule.candidates {
            Candidates::Whole => return whole(),
            Candidates::Digits {
                min,
                max,
                before,
                after,
            } => {
                for &(start, end, digits, spaced) in &self.runs {
                    if digits >= min
                        && (digits <= max || spaced)
                        && narrowing.accepts(text, start, end, spaced)
                    {
                        add(start, end, before, after);
                    }
                }
            }
            Candidates::Anchor { before, after } => match &narrowing.anchor {
                Some(anchor) => {
                    for found in anchor.find_iter(text) {
                        add(found.start(), found.end(), before, after);
                    }
                }
                None => return whole(),
            },
            Candidates::At { before, after } => {
                for &at in &self.ats {
                    add(at, at + 1, before, after);
                }
            }
        }
        (merged, starts)
    }
}

/// Per recognizer, the item of each span found so far, looked up once per validated match.
/// Spans are offsets within one text, a recognizer's matches of it (a text can hold no more
/// of them than it has characters), so a multiply per offset hashes them well enough;
/// std's SipHash, made for keys an adversary picks, cost more per lookup.
type SpanMap = std::collections::HashMap<(usize, usize), usize, BuildSpanHasher>;

type BuildSpanHasher = std::hash::BuildHasherDefault<SpanHasher>;

/// See [`SpanMap`].
#[derive(Default)]
struct SpanHasher(u64);

impl std::hash::Hasher for SpanHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(26) ^ value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Byte ranges `(low, high)`, ascending and not overlapping.
type Ranges = Vec<(usize, usize)>;

/// The callback that validates a value for a [`Check::External`] rule: `(rule, value)`.
pub type Validate<'v, E> = dyn FnMut(usize, &str) -> Result<Option<Checked>, E> + 'v;

/// Anchors of one entity for corroboration: `(char start, char end, byte start, byte end)`.
type AnchorSpans = Vec<(usize, usize, usize, usize)>;

/// The validation step's result for one match: span, strength, normalised value, flags.
type Accepted = (usize, usize, Strength, String, Vec<String>);

impl Engine {
    /// An engine over `patterns` with one [`Rule`] per compiled recognizer.
    pub fn new(mut patterns: CompiledPatterns, rules: Vec<Rule>, min_score: f64) -> Self {
        assert_eq!(patterns.len(), rules.len(), "one rule per recognizer");
        let digit_run =
            regex::Regex::new(r"\d+(?:(?:[ \-+/.–]|\s?\(|\)\s?)\d+)*").expect("a valid pattern");
        // Rules outside the patterns' one pass ([`CompiledPatterns::in_one_pass`]) that have
        // candidate windows get a pass of their own, run over their windows only.
        let own_pass = (0..rules.len())
            .map(|index| {
                if patterns.in_one_pass(index) || rules[index].candidates == Candidates::Whole {
                    return None;
                }
                // Compiled already when the patterns decided the pass's members (the same
                // `accepts` and `walked_forwards`); compiled here only if that gave none.
                if let Some(walk) = patterns.take_walked_alone(index) {
                    return Some(walk);
                }
                let (specs, ignore_case) = patterns.spec(index);
                OnePass::accepts(specs, ignore_case)
                    .then(|| OnePass::walked_forwards(&[(specs, ignore_case)]).ok())
                    .flatten()
            })
            .collect();
        let any_whole = (0..rules.len()).any(|index| {
            rules[index].candidates == Candidates::Whole && !patterns.in_one_pass(index)
        });
        // Rules that search their own windows: outside the pass, or every rule when the pass
        // gave up.
        let places = |pass_ran: bool| {
            let needs = |kind: fn(&Candidates) -> bool| {
                (0..rules.len()).any(|index| {
                    (!pass_ran || !patterns.in_one_pass(index)) && kind(&rules[index].candidates)
                })
            };
            (
                needs(|candidates| matches!(candidates, Candidates::Digits { .. })),
                needs(|candidates| matches!(candidates, Candidates::At { .. })),
            )
        };
        let places_with_pass = places(true);
        let places_without_pass = places(false);
        let today = Date {
            year: 2000,
            month: 1,
            day: 1,
        };
        for rule in &rules {
            if let Check::Builtin(builtin) = rule.check {
                // Loads the validator's tables now; the verdict does not matter.
                let _ = builtin.validate(builtin.sample(), today);
            }
        }
        let engine = Engine {
            patterns,
            rules,
            min_score,
            digit_run,
            any_whole,
            own_pass,
            places_with_pass,
            places_without_pass,
        };
        engine.warm_up(crate::one_pass::SHAPES);
        engine
    }

    /// Reads `text` once and forgets what it found: the lazy DFAs build the states it needs
    /// (each pattern's own, the one pass's, the e-mail windows', the context words') once per
    /// engine instead of on the first texts the engine is given. A new engine reads a line
    /// of the usual shapes; the caller may add the catalogue's examples. Plug-in and callback
    /// validators are not called.
    pub fn warm_up(&self, text: &str) {
        let today = Date {
            year: 2000,
            month: 1,
            day: 1,
        };
        let _ = self.analyze(text, &[], today, &[], &mut |_, _| {
            Ok::<_, std::convert::Infallible>(None)
        });
    }

    /// The rules, in the order of the compiled recognizers.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// Every final finding of `text`, ordered by start.
    ///
    /// :param context: words from outside the text (column names) that count as if they
    ///     stood next to every match.
    /// :param outside: findings made outside the core, in character offsets.
    /// :param validate: the callback for [`Check::External`] recognizers: `(rule, value)`.
    pub fn analyze<E>(
        &self,
        text: &str,
        context: &[String],
        today: Date,
        outside: &[Outside],
        validate: &mut Validate<'_, E>,
    ) -> Result<Vec<Found>, E> {
        self.batch()
            .analyze(text, context, today, outside, validate)
    }

    /// Caches and buffers for analysing many texts one after the other
    /// ([`Batch::analyze`]), each as [`Self::analyze`] would.
    pub fn batch(&self) -> Batch<'_> {
        let pass = self.patterns.one_pass();
        Batch {
            engine: self,
            pass: (!pass.is_empty()).then(|| pass.take_caches()),
            own: self.own_pass.iter().map(|_| None).collect(),
            starts: Vec::new(),
            by_recognizer: vec![Vec::new(); self.rules.len()],
            found: vec![Vec::new(); self.rules.len()],
            own_matches: Vec::new(),
            own_starts: Vec::new(),
            by_span: SpanMap::default(),
            scratch: String::new(),
            lowered: LoweredBuffers::default(),
            outside_words: Vec::new(),
        }
    }

    /// The final findings from the items of the core's rules and the findings made outside:
    /// character offsets, corroboration, overlaps, the minimum score, masks and labels.
    fn resolve<'a>(
        &'a self,
        text: &str,
        context: &[String],
        outside: &'a [Outside],
        mut entities: Vec<&'a str>,
        mut items: Vec<Item>,
    ) -> Vec<Found> {
        let ascii = text.is_ascii();
        if !ascii {
            items.sort_by_key(|item| item.start);
            let mut offsets = CharOffsets::new(text);
            for item in &mut items {
                item.char_start = offsets.at(item.start);
                item.char_end = item.char_start + text[item.start..item.end].chars().count();
            }
        }
        if !outside.is_empty() {
            let bytes = if ascii {
                None
            } else {
                let mut wanted: Vec<usize> = outside
                    .iter()
                    .flat_map(|finding| [finding.start, finding.end])
                    .collect();
                wanted.sort_unstable();
                wanted.dedup();
                Some((byte_offsets(text, &wanted), wanted))
            };
            let to_byte = |character: usize| match &bytes {
                None => character.min(text.len()),
                Some((offsets, wanted)) => wanted
                    .binary_search(&character)
                    .map_or(text.len(), |position| offsets[position]),
            };
            for (index, finding) in outside.iter().enumerate() {
                let entity = entity_index(&mut entities, &finding.entity);
                items.push(Item {
                    source: Source::Outside(index),
                    start: to_byte(finding.start),
                    end: to_byte(finding.end),
                    char_start: finding.start,
                    char_end: finding.end,
                    score: finding.score,
                    priority: finding.priority,
                    order: (finding.order, index),
                    entity,
                    normalized: String::new(),
                    flags: Vec::new(),
                    word: String::new(),
                    corroborated: false,
                });
            }
        }
        if items.is_empty() {
            return Vec::new();
        }
        self.corroborate(text, outside, &entities, &mut items);
        let kept = resolve_overlaps(items, &entities);
        kept.into_iter()
            .filter(|item| item.score >= self.min_score)
            .map(|item| self.finish(text, context, &entities, item))
            .collect()
    }

    /// One recognizer's accepted matches (`CatalogueRecognizer.find` and the engine's
    /// `_catalogue_findings`).
    #[allow(clippy::too_many_arguments)]
    fn recognize<'e, E>(
        &'e self,
        text: &str,
        matches: &[PatternMatch],
        rule_index: usize,
        context: &[String],
        today: Date,
        validate: &mut Validate<'_, E>,
        entities: &mut Vec<&'e str>,
        items: &mut Vec<Item>,
        by_span: &mut SpanMap,
        scratch: &mut String,
        lowered: &mut Lowered<'_>,
        outside_words: &mut OutsideWords,
    ) -> Result<(), E> {
        let rule = &self.rules[rule_index];
        if matches.is_empty() {
            return Ok(());
        }
        // Outside words are the same for every match: look them up once.
        let outside_word = &mut outside_words[rule_index];
        let floor = if rule.adjacency.is_some() {
            0.0
        } else {
            self.min_score
        };
        let entity = entity_index(entities, &rule.entity);
        let first_item = items.len();
        by_span.clear();
        // A match whose validator can only keep or lower its pattern's strength, and that
        // cannot be cut and tried again (no space), scores below the floor unless a context
        // word raises it: its context is judged first, and without a word it is dropped
        // unvalidated (most bare dates, document numbers and plates of a dense text).
        let never_stronger = match rule.check {
            Check::Nothing => true,
            Check::Builtin(builtin) => builtin.never_stronger(),
            Check::External => false,
        };
        for (sequence, &found) in matches.iter().enumerate() {
            let early = never_stronger
                && found.start < found.end
                && rule.best_score_up_to(rule.strengths[found.pattern]) < floor
                && !text[found.start..found.end].contains(' ');
            let judged_early = if early {
                // Without a context word it stays under the floor, silenced or not.
                let stem = stem_of(
                    rule,
                    text,
                    found.start,
                    found.end,
                    context,
                    lowered,
                    outside_word,
                    scratch,
                );
                if stem.is_none() || silenced(rule, text, found.start, lowered) {
                    continue;
                }
                Some(stem)
            } else {
                None
            };
            let Some((start, end, strength, normalized, flags)) =
                self.validated(text, rule_index, found, today, validate)?
            else {
                continue;
            };
            // judge_context: a negative label within 24 characters before, with no number
            // between, silences the match; a context word raises it one tier.
            let stem = match judged_early {
                Some(stem) => stem,
                None => match judge(
                    rule,
                    text,
                    start,
                    end,
                    context,
                    lowered,
                    outside_word,
                    scratch,
                ) {
                    Some(stem) => stem,
                    None => continue,
                },
            };
            let mut word = String::new();
            let mut strength = strength;
            if let Some(stem) = stem {
                strength = raise(strength);
                word = rule.context.stem(stem).to_owned();
            }
            // Per recognizer, one finding per span: the stronger reading, else the first.
            if let Some(&previous) = by_span.get(&(start, end)) {
                let previous = &mut items[previous];
                if rule.score(strength) > previous.score {
                    previous.score = rule.score(strength);
                    previous.normalized = normalized;
                    previous.flags = flags;
                    previous.word = word;
                }
                continue;
            }
            by_span.insert((start, end), items.len());
            items.push(Item {
                source: Source::Core(rule_index),
                start,
                end,
                char_start: start,
                char_end: end,
                score: rule.score(strength),
                priority: rule.priority,
                order: (rule.order, sequence),
                entity,
                normalized,
                flags,
                word,
                corroborated: false,
            });
        }
        // A finding under the floor is never reported, and can only beat findings scored
        // lower still; unless a neighbour may raise it (adjacent_to), it is dropped here.
        let mut kept = first_item;
        for index in first_item..items.len() {
            if items[index].score >= floor {
                items.swap(kept, index);
                kept += 1;
            }
        }
        items.truncate(kept);
        Ok(())
    }

    /// `CatalogueRecognizer._validated`: a match its validator accepts. One that fails and
    /// holds a space is tried again cut before its last space, up to three times (in
    /// `telefon=070-174 06 05 200` the HTTP status joined the phone number's groups).
    fn validated<E>(
        &self,
        text: &str,
        rule_index: usize,
        found: PatternMatch,
        today: Date,
        validate: &mut Validate<'_, E>,
    ) -> Result<Option<Accepted>, E> {
        let rule = &self.rules[rule_index];
        let mut found = found;
        for _ in 0..4 {
            let (start, end) = (found.start, found.end);
            if start == end {
                return Ok(None);
            }
            let strength = rule.strengths[found.pattern];
            let value = &text[start..end];
            let checked = match rule.check {
                Check::Nothing => {
                    return Ok(Some((start, end, strength, value.to_owned(), Vec::new())));
                }
                Check::Builtin(builtin) => match builtin.validate(value, today) {
                    Ok(verdict) => verdict.map(Checked::from),
                    Err(()) => validate(rule_index, value)?,
                },
                Check::External => validate(rule_index, value)?,
            };
            if let Some(checked) = checked {
                return Ok(Some((
                    start,
                    end,
                    checked.strength.unwrap_or(strength),
                    checked.normalized,
                    checked.flags,
                )));
            }
            let Some(cut) = value.rfind(' ').map(|cut| start + cut) else {
                return Ok(None);
            };
            if cut <= start {
                return Ok(None);
            }
            match self
                .patterns
                .recognizer(rule_index)
                .match_at(text, found.whole_start, cut)
            {
                Some(shorter) => found = shorter,
                None => return Ok(None),
            }
        }
        Ok(None)
    }

    /// `Engine._corroborate`: weak matches right beside a finding of an entity they name
    /// ("Monica Viklund, 8506012380") rise one tier.
    fn corroborate(&self, text: &str, outside: &[Outside], entities: &[&str], items: &mut [Item]) {
        let adjacency_of = |item: &Item| -> Option<&Adjacency> {
            match item.source {
                Source::Core(rule) => self.rules[rule].adjacency.as_ref(),
                Source::Outside(index) => outside[index].adjacency.as_ref(),
            }
        };
        if !items.iter().any(|item| adjacency_of(item).is_some()) {
            return;
        }
        let wanted: Vec<usize> = entities
            .iter()
            .enumerate()
            .filter(|(_, entity)| {
                items.iter().any(|item| {
                    adjacency_of(item)
                        .is_some_and(|rule| rule.entities.iter().any(|e| e == *entity))
                })
            })
            .map(|(index, _)| index)
            .collect();
        // Anchors per entity: (start, end) in characters with byte ends for the text between.
        let mut anchors: Vec<(usize, AnchorSpans)> = Vec::new();
        for item in items.iter() {
            if wanted.contains(&item.entity) && item.score >= self.min_score {
                let spans = match anchors
                    .iter_mut()
                    .find(|(entity, _)| *entity == item.entity)
                {
                    Some((_, spans)) => spans,
                    None => {
                        anchors.push((item.entity, Vec::new()));
                        &mut anchors.last_mut().expect("just pushed").1
                    }
                };
                spans.push((item.char_start, item.char_end, item.start, item.end));
            }
        }
        if anchors.is_empty() {
            return;
        }
        for (_, spans) in anchors.iter_mut() {
            spans.sort_unstable();
        }
        let mut raised = Vec::new();
        for (index, item) in items.iter().enumerate() {
            let Some(rule) = adjacency_of(item) else {
                continue;
            };
            if item.score > rule.low {
                continue;
            }
            let beside = rule.entities.iter().find(|entity| {
                let Some((_, spans)) = anchors
                    .iter()
                    .find(|(anchor, _)| entities[*anchor] == entity.as_str())
                else {
                    return false;
                };
                let position = spans
                    .partition_point(|span| (span.0, span.1) < (item.char_start, item.char_start));
                if position > 0 {
                    let (_, end, _, end_byte) = spans[position - 1];
                    if end <= item.char_start && separators_only(&text[end_byte..item.start]) {
                        return true;
                    }
                }
                if let Some(&(start, _, start_byte, _)) = spans.get(position) {
                    if start >= item.char_end && separators_only(&text[item.end..start_byte]) {
                        return true;
                    }
                }
                false
            });
            if let Some(entity) = beside {
                raised.push((index, rule.medium, entity.clone()));
            }
        }
        for (index, score, entity) in raised {
            items[index].score = score;
            items[index].word = entity;
            items[index].corroborated = true;
        }
    }

    /// The finding as returned: mask, context label.
    fn finish(&self, text: &str, context: &[String], entities: &[&str], item: Item) -> Found {
        let (masked, label) = match item.source {
            Source::Core(rule) => {
                let masked = self.rules[rule]
                    .mask
                    .map(|mask| mask.apply(&text[item.start..item.end]))
                    .unwrap_or_default();
                let label = if item.corroborated {
                    item.word
                } else {
                    context_label(item.word, context)
                };
                (masked, label)
            }
            Source::Outside(_) => (String::new(), item.word),
        };
        let _ = entities;
        Found {
            source: item.source,
            start: item.char_start,
            end: item.char_end,
            score: item.score,
            masked,
            normalized: item.normalized,
            flags: item.flags,
            context: label,
        }
    }
}

impl Batch<'_> {
    /// [`Engine::analyze`] of one text, with the caches and buffers of this batch.
    pub fn analyze<E>(
        &mut self,
        text: &str,
        context: &[String],
        today: Date,
        outside: &[Outside],
        validate: &mut Validate<'_, E>,
    ) -> Result<Vec<Found>, E> {
        let engine = self.engine;
        let mut items = Vec::new();
        let mut entities: Vec<&str> = Vec::new();
        // The text lower-cased where context words are looked for.
        let mut lowered = Lowered::new(text, std::mem::take(&mut self.lowered));
        if !text.is_empty() && !engine.patterns.is_empty() {
            let pass_ran = self.one_pass_matches(text);
            let (runs, ats) = if pass_ran {
                engine.places_with_pass
            } else {
                engine.places_without_pass
            };
            let places = Places::of(text, &engine.digit_run, runs, ats);
            let whole = if engine.any_whole {
                engine.patterns.can_match(text)
            } else {
                Vec::new()
            };
            let words = self.outside_words_of(context);
            let wanted = (0..engine.rules.len()).filter(|&index| {
                engine.rules[index].candidates != Candidates::Whole
                    || engine.patterns.in_one_pass(index)
                    || whole.contains(&index)
            });
            for rule_index in wanted {
                // Found over the whole text: a recognizer's candidate windows only ever
                // narrowed where its patterns were searched, never what a pattern matches
                // (each match holds the digits, anchor or street word its windows are built
                // around).
                let matches = if pass_ran && engine.patterns.in_one_pass(rule_index) {
                    &self.found[rule_index]
                } else {
                    self.own_matches(text, &places, rule_index);
                    &self.own_matches
                };
                engine.recognize(
                    text,
                    matches,
                    rule_index,
                    context,
                    today,
                    validate,
                    &mut entities,
                    &mut items,
                    &mut self.by_span,
                    &mut self.scratch,
                    &mut lowered,
                    &mut self.outside_words[words].1,
                )?;
            }
        }
        self.lowered = lowered.into_buffers();
        Ok(engine.resolve(text, context, outside, entities, items))
    }

    /// The index in `outside_words` of the stems of `context`, added when new.
    fn outside_words_of(&mut self, context: &[String]) -> usize {
        if let Some(index) = self
            .outside_words
            .iter()
            .position(|(known, _)| known.as_slice() == context)
        {
            return index;
        }
        if self.outside_words.len() >= OUTSIDE_CONTEXTS {
            self.outside_words.clear();
        }
        self.outside_words
            .push((context.to_vec(), vec![None; self.engine.rules.len()]));
        self.outside_words.len() - 1
    }

    /// `CompiledPatterns::one_pass_matches` into this batch's buffers: each member
    /// recognizer's matches in `found`, as Python's `finditer` over the whole text finds
    /// them. False when the pass gave up: the caller searches another way.
    fn one_pass_matches(&mut self, text: &str) -> bool {
        let patterns = &self.engine.patterns;
        for (starts, found) in self.by_recognizer.iter_mut().zip(&mut self.found) {
            starts.clear();
            found.clear();
        }
        if let Some(caches) = &mut self.pass {
            let pass = patterns.one_pass();
            if !pass.starts_using(text, &[(0, text.len())], caches, &mut self.starts) {
                return false;
            }
            for start in &self.starts {
                self.by_recognizer[patterns.member_owner(start.recognizer)]
                    .push((start.at, start.pattern));
            }
        }
        for (index, (starts, found)) in self.by_recognizer.iter().zip(&mut self.found).enumerate() {
            if !starts.is_empty() {
                patterns
                    .recognizer(index)
                    .confirm(text, starts, None, found);
            }
        }
        true
    }

    /// The matches of the rule at `rule_index` outside the one pass, into `own_matches`:
    /// searched only within its candidate windows.
    fn own_matches(&mut self, text: &str, places: &Places, rule_index: usize) {
        let engine = self.engine;
        self.own_matches.clear();
        let rule = &engine.rules[rule_index];
        let matcher = engine.patterns.recognizer(rule_index);
        let (windows, may_start) = places.windows(text, rule);
        if windows.is_empty() {
            // No candidate here (most short cells): no pass of its own to start.
            return;
        }
        let scanned = match &engine.own_pass[rule_index] {
            Some(pass) => {
                let caches = self.own[rule_index].get_or_insert_with(|| pass.take_caches());
                pass.starts_using(text, &may_start, caches, &mut self.starts)
            }
            None => false,
        };
        if scanned {
            self.own_starts.clear();
            self.own_starts
                .extend(self.starts.iter().map(|start| (start.at, start.pattern)));
            matcher.confirm(
                text,
                &self.own_starts,
                Some(&windows),
                &mut self.own_matches,
            );
        } else {
            for (low, high) in windows {
                matcher.find_from(&text[..high], low, &mut self.own_matches);
            }
        }
    }
}

/// `judge_context` for a match at `start..end`: `None` when a negative label silences it
/// ([`silenced`]); else the context stem that raises it one tier, if any ([`stem_of`]).
#[allow(clippy::too_many_arguments)]
fn judge(
    rule: &Rule,
    text: &str,
    start: usize,
    end: usize,
    context: &[String],
    lowered: &mut Lowered<'_>,
    outside_word: &mut Option<Option<usize>>,
    scratch: &mut String,
) -> Option<Option<usize>> {
    if silenced(rule, text, start, lowered) {
        return None;
    }
    Some(stem_of(
        rule,
        text,
        start,
        end,
        context,
        lowered,
        outside_word,
        scratch,
    ))
}

/// A negative label within 24 characters before `start`, with no number between.
fn silenced(rule: &Rule, text: &str, start: usize, lowered: &mut Lowered<'_>) -> bool {
    if rule.negative.is_empty() {
        return false;
    }
    let low = chars_back(text, start, NEGATIVE_WINDOW);
    rule.negative
        .last_in(text, lowered.covering(low, start), low, start)
        .is_some_and(|hit| !has_digit(&text[hit.end..start]))
}

/// The context stem that raises a match at `start..end` one tier: within its window, or
/// among the outside words.
#[allow(clippy::too_many_arguments)]
fn stem_of(
    rule: &Rule,
    text: &str,
    start: usize,
    end: usize,
    context: &[String],
    lowered: &mut Lowered<'_>,
    outside_word: &mut Option<Option<usize>>,
    scratch: &mut String,
) -> Option<usize> {
    if rule.context.is_empty() {
        return None;
    }
    let (before, after) = rule.window;
    let mut first = |low: usize, high: usize| {
        rule.context
            .first_in(text, lowered.covering(low, high), low, high)
            .map(|hit| hit.stem)
    };
    let mut stem = first(chars_back(text, start, before), start);
    if stem.is_none() && after > 0 {
        stem = first(end, chars_forward(text, end, after));
    }
    if stem.is_none() && !context.is_empty() {
        stem = *outside_word.get_or_insert_with(|| rule.context.search_any(context, scratch));
    }
    stem
}

fn raise(strength: Strength) -> Strength {
    match strength {
        Strength::Low => Strength::Medium,
        Strength::Medium | Strength::High => Strength::High,
    }
}

fn entity_index<'e>(entities: &mut Vec<&'e str>, entity: &'e str) -> usize {
    match entities.iter().position(|known| *known == entity) {
        Some(index) => index,
        None => {
            entities.push(entity);
            entities.len() - 1
        }
    }
}

/// A text lower-cased with every character's byte length kept ([`lower_in_place`]), a piece
/// at a time where context words are looked for: on a long text with few matches most of it
/// is never lowered.
struct Lowered<'t> {
    text: &'t str,
    /// `lowered` and `done` are sized for this text.
    ready: bool,
    /// The bytes of the text, lower-cased in the pieces marked in `done`; elsewhere zeros or
    /// what an earlier text left there (never read: [`Self::covering`] lowers a range first).
    lowered: Vec<u8>,
    done: Vec<bool>,
    scratch: String,
}

/// The bytes lowered at a time (a piece ends at the character boundary at or before a
/// multiple of this). Small, so that a match lowers little more than its windows (24
/// characters before it for negative words, by default 64 before and 32 after for context
/// words); pieces next to each other that are both wanted are lowered in one call.
const LOWERED_PIECE: usize = 64;

/// The allocations of a [`Lowered`], kept for the next text.
#[derive(Default)]
struct LoweredBuffers {
    lowered: Vec<u8>,
    done: Vec<bool>,
    scratch: String,
}

impl<'t> Lowered<'t> {
    fn new(text: &'t str, buffers: LoweredBuffers) -> Self {
        Lowered {
            text,
            ready: false,
            lowered: buffers.lowered,
            done: buffers.done,
            scratch: buffers.scratch,
        }
    }

    fn into_buffers(self) -> LoweredBuffers {
        LoweredBuffers {
            lowered: self.lowered,
            done: self.done,
            scratch: self.scratch,
        }
    }

    /// The lowered bytes, lowered at least over `start..end` (byte offsets of `text`).
    fn covering(&mut self, start: usize, end: usize) -> &[u8] {
        let length = self.text.len();
        if !self.ready {
            self.ready = true;
            if self.lowered.len() < length {
                // A new buffer rather than a grown one (nothing to copy), and an old one
                // long enough is not cleared: what it holds outside the lowered pieces is
                // never read.
                self.lowered = vec![0; length];
            }
            self.done.clear();
            self.done.resize(length / LOWERED_PIECE + 1, false);
        }
        let last = end.min(length).saturating_sub(1) / LOWERED_PIECE;
        let mut piece = start / LOWERED_PIECE;
        while piece <= last {
            if self.done[piece] {
                piece += 1;
                continue;
            }
            // The run of pieces not yet lowered from here, lowered at once.
            let first = piece;
            while piece <= last && !self.done[piece] {
                self.done[piece] = true;
                piece += 1;
            }
            let from = char_floor(self.text, first * LOWERED_PIECE);
            let to = char_floor(self.text, piece * LOWERED_PIECE);
            lower_in_place(&self.text[from..to], &mut self.scratch);
            // Same length in bytes, so the offsets of the rest stay.
            self.lowered[from..to].copy_from_slice(self.scratch.as_bytes());
        }
        &self.lowered[..length]
    }
}

/// The character boundary of `text` at or before byte `offset` (the end when beyond it).
fn char_floor(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Python's `\d` (a decimal digit of any script) somewhere in `text`.
fn has_digit(text: &str) -> bool {
    text.chars().any(|character| {
        character.is_ascii_digit() || (!character.is_ascii() && character.is_numeric())
    })
}

/// `[\s,;:'"()\[\]|]{0,4}` matches the whole of `text`.
fn separators_only(text: &str) -> bool {
    let mut count = 0;
    for character in text.chars() {
        count += 1;
        if count > 4 || !(character.is_whitespace() || ",;:'\"()[]|".contains(character)) {
            return false;
        }
    }
    true
}

/// `_context_label`: the outside word (a column name) that holds the stem, else the stem.
fn context_label(word: String, context: &[String]) -> String {
    if !word.is_empty() {
        for outside in context {
            if outside.to_lowercase().replace('_', " ").contains(&word) {
                return outside.clone();
            }
        }
    }
    word
}

/// Byte offsets of the sorted character offsets `wanted` (past the end: the text's length).
fn byte_offsets(text: &str, wanted: &[usize]) -> Vec<usize> {
    let mut offsets = Vec::with_capacity(wanted.len());
    let mut next = wanted.iter().peekable();
    for (character, (byte, _)) in text.char_indices().enumerate() {
        while next.peek().is_some_and(|&&want| want == character) {
            offsets.push(byte);
            next.next();
        }
        if next.peek().is_none() {
            break;
        }
    }
    offsets.resize(wanted.len(), text.len());
    offsets
}

/// `piiscan.overlap.resolve_overlaps`: of every run of overlapping findings, those that no
/// finding of another entity type with a higher rank (score, priority, length) overlaps.
fn resolve_overlaps(mut items: Vec<Item>, entities: &[&str]) -> Vec<Item> {
    items.sort_by(|a, b| {
        (a.char_start, a.char_end, a.order).cmp(&(b.char_start, b.char_end, b.order))
    });
    let mut kept = Vec::with_capacity(items.len());
    let mut group: Vec<Item> = Vec::new();
    let mut reach = 0usize;
    for item in items {
        if !group.is_empty() && item.char_start >= reach {
            // The group's buffer is kept for the next group.
            settle(&mut group, entities, &mut kept);
        }
        reach = if group.is_empty() {
            item.char_end
        } else {
            reach.max(item.char_end)
        };
        group.push(item);
    }
    if !group.is_empty() {
        settle(&mut group, entities, &mut kept);
    }
    kept
}

/// The findings of `group` (emptied) that no other entity's outranks, into `kept_out`.
fn settle(group: &mut Vec<Item>, entities: &[&str], kept_out: &mut Vec<Item>) {
    if group.len() == 1 {
        kept_out.append(group);
        return;
    }
    let rank = |item: &Item| (item.score, item.priority, item.char_end - item.char_start);
    // Stable, highest rank first; equal ranks keep their order (Python's reverse sort).
    group.sort_by(|a, b| {
        rank(b)
            .partial_cmp(&rank(a))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let longest = group
        .iter()
        .map(|item| item.char_end - item.char_start)
        .max()
        .unwrap_or(0);
    // Kept findings ordered by start; only those starting within `longest` before a
    // candidate can overlap it, which keeps long chains from going quadratic.
    let mut kept: Vec<Item> = Vec::new();
    for candidate in group.drain(..) {
        let low = kept
            .partition_point(|item| item.char_start < candidate.char_start.saturating_sub(longest));
        let high = kept.partition_point(|item| item.char_start < candidate.char_end);
        if kept[low..high]
            .iter()
            .any(|item| item.char_end > candidate.char_start && item.entity != candidate.entity)
        {
            continue;
        }
        let position = kept.partition_point(|item| item.char_start < candidate.char_start);
        kept.insert(position, candidate);
    }
    kept.sort_by(|a, b| {
        (a.char_start, a.char_end, entities[a.entity]).cmp(&(
            b.char_start,
            b.char_end,
            entities[b.entity],
        ))
    });
    kept_out.append(&mut kept);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::StemRule;
    use crate::matcher::PatternSpec;

    #[test]
    fn validators_that_never_strengthen_say_so() {
        // What `Engine::recognize` relies on to drop a weak match unvalidated: these verdicts
        // carry no strength, or the lowest.
        let today = Date {
            year: 2024,
            month: 6,
            day: 1,
        };
        for (builtin, candidate) in [
            (Builtin::BirthDate, "1985-06-01"),
            (Builtin::BirthDate, "850601"),
            (Builtin::BirthDate, "1 juni 1985"),
            (Builtin::BirthDate, "01/06/1985"),
            (Builtin::IdentityDocument, "12345678"),
            (Builtin::IdentityDocument, "AA1234567"),
            (Builtin::VehicleRegistration, "ABC 123"),
            (Builtin::VehicleRegistration, "ABC12D"),
            (Builtin::IpAddress, "192.0.2.1"),
            (Builtin::IpAddress, "8.8.8.8"),
            (Builtin::IpAddress, "2001:db8::1"),
            (Builtin::IpAddress, "10.0.0.1"),
        ] {
            assert!(builtin.never_stronger());
            let verdict = builtin
                .validate(candidate, today)
                .expect("decided in the core")
                .expect("valid");
            assert!(
                matches!(verdict.strength, None | Some(Strength::Low)),
                "{builtin:?} {candidate}"
            );
        }
        for builtin in [
            Builtin::Card,
            Builtin::BankAccount,
            Builtin::Organisationsnummer,
            Builtin::Address,
            Builtin::Phone,
        ] {
            assert!(!builtin.never_stronger());
        }
    }

    fn engine() -> Engine {
        let pattern = |regex: &str, not_after: &str| PatternSpec {
            regex: regex.to_owned(),
            not_after: Some(not_after.to_owned()),
            not_before: vec![vec![r"\d".to_owned()]],
        };
        let patterns = CompiledPatterns::new(&[
            (
                vec![
                    pattern(r"\d{6}[-+]\d{4}", r"\d\p{L}-"),
                    pattern(r"\d{10}", r"\d\p{L}-"),
                ],
                false,
            ),
            (vec![pattern(r"0\d{9}", r"\d\p{L}+-")], false),
        ])
        .expect("compiles");
        let stems = |words: &[(&str, StemRule)]| {
            ContextMatcher::new(words.iter().map(|(w, r)| ((*w).to_owned(), *r)).collect())
        };
        let rule = |entity: &str, check, strengths, context, priority, adjacency, order| Rule {
            entity: entity.to_owned(),
            check,
            strengths,
            scores: [0.4, 0.75, 0.95],
            context,
            negative: stems(&[("ocr", StemRule::Word)]),
            window: (64, 32),
            priority,
            adjacency,
            order,
            mask: Mask::for_entity(entity),
            candidates: Candidates::Digits {
                min: 10,
                max: 12,
                before: 2,
                after: 1,
            },
            narrowing: Narrowing::default(),
        };
        Engine::new(
            patterns,
            vec![
                rule(
                    "SE_PERSONNUMMER",
                    Check::Builtin(Builtin::Personnummer),
                    vec![Strength::Medium, Strength::Low],
                    stems(&[("personnummer", StemRule::Inside), ("pnr", StemRule::Word)]),
                    90,
                    Some(Adjacency {
                        entities: vec!["PERSON".to_owned()],
                        low: 0.4,
                        medium: 0.75,
                    }),
                    0,
                ),
                rule(
                    "PHONE_NUMBER",
                    Check::Nothing,
                    vec![Strength::Low],
                    stems(&[("tel", StemRule::Word)]),
                    60,
                    None,
                    1,
                ),
            ],
            0.5,
        )
    }

    fn run(engine: &Engine, text: &str, outside: &[Outside]) -> Vec<(Source, usize, usize, f64)> {
        let today = Date {
            year: 2026,
            month: 1,
            day: 1,
        };
        engine
            .analyze(text, &[], today, outside, &mut |_, _| {
                Ok::<_, std::convert::Infallible>(None)
            })
            .unwrap_or_else(|never| match never {})
            .into_iter()
            .map(|found| (found.source, found.start, found.end, found.score))
            .collect()
    }

    #[test]
    fn context_negative_labels_and_character_offsets() {
        let engine = engine();
        assert_eq!(
            run(&engine, "Åsa, personnummer 850601-2387", &[]),
            [(Source::Core(0), 18, 29, 0.95)]
        );
        assert!(run(&engine, "OCR 850601-2387", &[]).is_empty());
        assert_eq!(
            run(&engine, "OCR 12, 850601-2387", &[]),
            [(Source::Core(0), 8, 19, 0.75)]
        );
        // A bare ten-digit run is weak: not reported without a word or a neighbour.
        assert!(run(&engine, "8506012387", &[]).is_empty());
    }

    #[test]
    fn a_neighbour_corroborates_and_overlaps_are_resolved() {
        let engine = engine();
        let person = Outside {
            entity: "PERSON".to_owned(),
            start: 0,
            end: 9,
            score: 0.9,
            priority: 0,
            order: 5,
            adjacency: None,
        };
        assert_eq!(
            run(&engine, "Åsa Öberg, 8506012387", &[person]),
            [
                (Source::Outside(0), 0, 9, 0.9),
                (Source::Core(0), 11, 21, 0.75)
            ]
        );
        // The same digits as a phone number (tel) and a personnummer (pnr): both medium,
        // the personnummer's priority wins.
        assert_eq!(
            run(&engine, "tel pnr 0406280404", &[]),
            [(Source::Core(0), 8, 18, 0.75)]
        );
    }

    #[test]
    fn lowered_windows_read_as_the_whole_text_lowered() {
        // Two- and three-byte characters across piece boundaries, characters whose lower
        // case is longer (kept as they are), a long text first whose buffers the next texts
        // reuse (its bytes left beyond what they lower), and windows in any order.
        let long = "ÅSA ÖBERG, Storgatan 12 — K\u{212a}İ ẞ x; OCR 850601-2387. ".repeat(12);
        let texts = [
            long.as_str(),
            "ÄÄ ÖÖ",
            "",
            "Ab\u{212a}",
            &long[..300],
            &long,
        ];
        let mut buffers = LoweredBuffers::default();
        let mut whole = String::new();
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % (bound as u64 + 1)) as usize
        };
        for text in texts {
            lower_in_place(text, &mut whole);
            let mut lowered = Lowered::new(text, buffers);
            let fixed = [(0, 1), (300, 420), (100, 300), (0, 10_000), (5, 3), (0, 0)];
            let random: Vec<(usize, usize)> = (0..300)
                .map(|_| {
                    let start = next(text.len());
                    (start, start + next(150))
                })
                .collect();
            for &(start, end) in fixed.iter().chain(&random) {
                let start = char_floor(text, start);
                let end = if end > text.len() {
                    end
                } else {
                    char_floor(text, end)
                };
                let expected = whole.as_bytes().get(start..end);
                assert_eq!(
                    lowered.covering(start, end).get(start..end),
                    expected,
                    "{start}..{end}"
                );
            }
            buffers = lowered.into_buffers();
        }
    }

    #[test]
    fn one_batch_over_many_texts_finds_what_each_call_finds() {
        let engine = engine();
        let today = Date {
            year: 2026,
            month: 1,
            day: 1,
        };
        let texts = [
            "Åsa, personnummer 850601-2387",
            "",
            "no digits here",
            "OCR 850601-2387",
            "tel pnr 0406280404",
            "8506012387",
            "pnr 850601-2387 och 850601-2387, tel 0406280404",
            "Åsa Öberg, 8506012387",
        ];
        let context = ["personnummer".to_owned()];
        let person = Outside {
            entity: "PERSON".to_owned(),
            start: 0,
            end: 9,
            score: 0.9,
            priority: 0,
            order: 5,
            adjacency: None,
        };
        let mut batch = engine.batch();
        // Twice through: what one text leaves in the buffers never reaches the next.
        for text in texts.iter().chain(&texts) {
            for (context, outside) in [(&[][..], &[][..]), (&context[..], &[person.clone()][..])] {
                let outside = if text.starts_with("Åsa Öberg") {
                    outside
                } else {
                    &[]
                };
                let mut never = |_: usize, _: &str| Ok::<_, std::convert::Infallible>(None);
                let alone = engine.analyze(text, context, today, outside, &mut never);
                let batched = batch.analyze(text, context, today, outside, &mut never);
                assert_eq!(alone, batched, "in {text:?}");
            }
        }
    }
}
