//! Candidate matching for catalogue recognizers, linear in the length of the text.
//!
//! The catalogue's patterns are written for Python's backtracking `regex` module, with the
//! boundaries of a match as lookarounds: `(?<![\d\p{L}-])` (not after a digit, letter or
//! dash) before, `(?!\d)` after. The Rust regex engine has no lookaround and runs in linear
//! time; here the boundaries are declared fields of a [`PatternSpec`] instead, and
//! [`RecognizerMatcher`] finds the same matches as Python's `finditer` over the alternation of
//! a recognizer's patterns (strongest first, as `piiscan.engine.recognizers` builds it):
//!
//! * `not_after` (the class of the character that must not precede a match) becomes one
//!   consumed character before the pattern, `[^class]`, so a match's real start is one
//!   character after where the regex engine says it starts; at the very start of the text,
//!   where no character precedes, the alternative `\A` comes first: `(?:\A|[^class])`.
//! * `not_before` (what must not follow a match: one or more classes in sequence, as in
//!   `(?![\d.,:]\d)`) becomes a consumed tail that matches exactly the texts that do not begin
//!   with the sequence (`\z|[^A]|A(?:\z|[^B])`). Leftmost-first semantics try the pattern's
//!   ways of matching in the order a backtracking engine does, so the first that the tail
//!   accepts is the one Python reports (a lookahead that fails makes Python backtrack into a
//!   shorter match, and this finds that shorter match too).
//!
//! Each pattern is searched on its own and the matches are merged as an alternation chooses:
//! the leftmost real start wins, at one start the first pattern in order.
//!
//! The pattern language the core accepts is therefore the Rust `regex` syntax (the common
//! subset with Python's: classes, `\d`, `\w`, `\p{L}`, repetition, groups, `(?i:...)`), without
//! lookaround or back-references; a pattern that needs more stays on the Python path. Where
//! the two engines read the same syntax differently (Python's `$` also matches before a final
//! newline; the exact members of `\w` and `\s`), the core follows Rust; over the built-in
//! catalogue and the labelled corpus both find the same matches. A pattern the core compiles
//! runs in time linear in the text, whatever it is (an organisation's `(\d|\d\d)+$`
//! included).

use std::panic::{RefUnwindSafe, UnwindSafe};
use std::sync::{Arc, OnceLock};

use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::nfa::thompson;
use regex_automata::util::pool::Pool;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};

use crate::one_pass::OnePass;

/// Compiled programs may grow this large: Unicode classes such as `\p{L}` are big, and the
/// alternation of a recognizer's patterns with their boundaries several times bigger.
const SIZE_LIMIT: usize = 64 << 20;

/// One catalogue pattern with its boundaries declared instead of written as lookarounds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternSpec {
    /// The pattern without its boundaries, in the linear-time subset.
    pub regex: String,
    /// The body of the character class that must not come right before a match
    /// (`\d\p{L}-` for `(?<![\d\p{L}-])`), or `None`.
    pub not_after: Option<String>,
    /// Sequences of class bodies that must not come right after a match: `[["\d"]]` for
    /// `(?!\d)`, `[["\d.,:", "\d"], ["-", "\d"]]` for `(?![\d.,:]\d)(?!-\d)`.
    pub not_before: Vec<Vec<String>>,
}

/// Why a recognizer's patterns could not be compiled into the core.
#[derive(Debug, PartialEq, Eq)]
pub enum CompileError {
    /// The regex engine refused a pattern (syntax outside the subset, or too large).
    Regex(String),
    /// The `not_before` sequences mix lengths or end in different classes, a combination the
    /// tail construction does not cover.
    UnsupportedBoundary,
}

impl std::fmt::Display for CompileError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CompileError::Regex(reason) => write!(formatter, "{reason}"),
            CompileError::UnsupportedBoundary => {
                formatter.write_str("lookahead sequences of mixed length or final class")
            }
        }
    }
}

impl std::error::Error for CompileError {}

/// A match of one recognizer: which of its patterns matched and where, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PatternMatch {
    /// Index of the pattern in the order given to [`RecognizerMatcher::new`].
    pub pattern: usize,
    /// Span of the match, or of its `value` group when the pattern has one that took part.
    pub start: usize,
    pub end: usize,
    /// Where the whole match (not its `value` group) starts: a retry starts there.
    pub whole_start: usize,
}

fn class_union(bodies: &[&str]) -> String {
    bodies.iter().map(|body| format!("[{body}]")).collect()
}

/// A consumed tail that matches exactly where none of `sequences` follows.
pub(crate) fn tail(sequences: &[Vec<String>]) -> Result<String, CompileError> {
    if sequences.is_empty() {
        return Ok(String::new());
    }
    let length = sequences[0].len();
    if sequences.iter().any(|sequence| sequence.len() != length) {
        return Err(CompileError::UnsupportedBoundary);
    }
    let firsts: Vec<&str> = sequences
        .iter()
        .map(|sequence| sequence[0].as_str())
        .collect();
    let first = class_union(&firsts);
    match length {
        1 => Ok(format!(r"(?:\z|[^{first}])")),
        2 => {
            let second = &sequences[0][1];
            if sequences.iter().any(|sequence| &sequence[1] != second) {
                return Err(CompileError::UnsupportedBoundary);
            }
            Ok(format!(r"(?:\z|[^{first}]|[{first}](?:\z|[^{second}]))"))
        }
        _ => Err(CompileError::UnsupportedBoundary),
    }
}

fn compile(pattern: &str, ignore_case: bool) -> Result<Regex, CompileError> {
    RegexBuilder::new(pattern)
        .case_insensitive(ignore_case)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|error| CompileError::Regex(error.to_string()))
}

/// A character class (the body of `[...]`) as a quick membership test.
#[derive(Clone, Debug)]
pub(crate) struct CharClass {
    /// For each ASCII character: true when it is in the class.
    ascii: [bool; 128],
    /// `^[class]$`, for characters beyond ASCII.
    class: Regex,
}

impl CharClass {
    pub(crate) fn new(body: &str) -> Result<Self, CompileError> {
        let class = compile(&format!("^[{body}]$"), false)?;
        let mut ascii = [false; 128];
        let mut buffer = [0; 4];
        for (byte, member) in ascii.iter_mut().enumerate() {
            let character = char::from(u8::try_from(byte).unwrap_or(0));
            *member = class.is_match(character.encode_utf8(&mut buffer));
        }
        Ok(CharClass { ascii, class })
    }

    pub(crate) fn contains(&self, character: char) -> bool {
        match self.ascii.get(character as usize) {
            Some(&member) => member,
            None => self.class.is_match(character.encode_utf8(&mut [0; 4])),
        }
    }
}

/// A match found without the capturing engine: the pattern and its tail are searched as one
/// lazy DFA without groups (it alone finds where the match ends), then the end of the pattern
/// proper is found among the one or two characters the tail may have taken. Only for patterns
/// with no `value` group and no assertion inside (a `$` would read differently on a text cut
/// where the pattern ends).
///
/// The DFAs are driven here, byte by byte from an anchored start, not through `regex`: a
/// confirmation reads a few bytes, and the general search's set-up (its cache pool, prefilter
/// and input checks) cost more than the reading; and whether the pattern proper ends at each
/// place the tail may have begun is read in one walk, not one search per place.
#[derive(Clone, Debug)]
struct WithoutCaptures {
    /// `(?:pattern)tail`, leftmost-first as Python chooses: where the match ends.
    whole: DFA,
    /// `(?:pattern)`, every match reported: the places where the pattern proper can end.
    ends: DFA,
    /// The classes the tail refuses: one after the match, or a first and a second.
    refused: Option<(CharClass, Option<CharClass>)>,
    /// The tail's classes read as `refused` reads them (no case folding): where the tail can
    /// have ended at one place only, the pattern proper ends there without asking `ends`.
    tail_exact: bool,
}

/// The lazy DFAs' caches of one [`WithoutCaptures`].
#[derive(Clone, Debug)]
struct ConfirmCache {
    whole: Cache,
    ends: Cache,
}

/// A lazy DFA of `pattern` (`kind`: leftmost-first or every match), without groups, for
/// anchored walks.
fn confirming_dfa(pattern: &str, ignore_case: bool, kind: MatchKind) -> Result<DFA, CompileError> {
    lazy_dfa(confirming_nfa(pattern, ignore_case)?, kind)
}

/// The NFA of `pattern` without groups, as [`confirming_dfa`] compiles it.
fn confirming_nfa(pattern: &str, ignore_case: bool) -> Result<thompson::NFA, CompileError> {
    thompson::Compiler::new()
        .syntax(regex_automata::util::syntax::Config::new().case_insensitive(ignore_case))
        .configure(thompson::Config::new().which_captures(thompson::WhichCaptures::None))
        .build(pattern)
        .map_err(|error| CompileError::Regex(error.to_string()))
}

/// The lazy DFA of a [`confirming_nfa`] (`kind`: leftmost-first or every match).
fn lazy_dfa(nfa: thompson::NFA, kind: MatchKind) -> Result<DFA, CompileError> {
    DFA::builder()
        .configure(
            DFA::config()
                .match_kind(kind)
                .cache_capacity(CONFIRM_CACHE_CAPACITY),
        )
        .build_from_nfa(nfa)
        .map_err(|error| CompileError::Regex(error.to_string()))
}

/// The lazy DFA caches of a confirming pattern may grow this large before they start over (a
/// pattern's states on the densest text take a small part of it).
const CONFIRM_CACHE_CAPACITY: usize = 2 << 20;

/// Walks the anchored `dfa` over `haystack` until it dies: with `each` given, every place a
/// match ends is passed to it; the last such place is returned (for a leftmost-first DFA, where
/// its match ends). `Err` when the DFA gave up.
fn walk_anchored(
    dfa: &DFA,
    cache: &mut Cache,
    haystack: &[u8],
    mut each: impl FnMut(usize),
) -> Result<Option<usize>, ()> {
    let mut state = dfa
        .start_state(cache, &start::Config::new().anchored(Anchored::Yes))
        .map_err(|_| ())?;
    let mut last = None;
    for (at, &byte) in haystack.iter().enumerate() {
        state = dfa.next_state(cache, state, byte).map_err(|_| ())?;
        if state.is_tagged() {
            if state.is_match() {
                // Match states come one byte late: the match ended before this byte.
                last = Some(at);
                each(at);
            } else if state.is_dead() {
                return Ok(last);
            } else if state.is_quit() {
                return Err(());
            }
        }
    }
    state = dfa.next_eoi_state(cache, state).map_err(|_| ())?;
    if state.is_match() {
        last = Some(haystack.len());
        each(haystack.len());
    }
    Ok(last)
}

impl WithoutCaptures {
    fn new(pattern: &PatternSpec, ignore_case: bool) -> Result<Option<Self>, CompileError> {
        let core = format!("(?:{})", pattern.regex);
        // The DFA of the pattern proper is needed anyway; its NFA tells whether the pattern
        // asserts anything (what an anchored walk cannot check), so the pattern is compiled
        // once for both.
        let plain = confirming_nfa(&core, ignore_case)?;
        if !plain.look_set_any().is_empty() {
            return Ok(None);
        }
        let ends = lazy_dfa(plain, MatchKind::All)?;
        let refused = match pattern.not_before.first() {
            None => None,
            Some(first) => {
                let firsts: Vec<&str> = pattern
                    .not_before
                    .iter()
                    .map(|sequence| sequence[0].as_str())
                    .collect();
                let second = match first.get(1) {
                    Some(second) => Some(CharClass::new(second)?),
                    None => None,
                };
                Some((CharClass::new(&class_union(&firsts))?, second))
            }
        };
        Ok(Some(WithoutCaptures {
            whole: confirming_dfa(
                &format!("{core}{}", tail(&pattern.not_before)?),
                ignore_case,
                MatchKind::LeftmostFirst,
            )?,
            ends,
            refused,
            tail_exact: !ignore_case,
        }))
    }

    #[cfg(test)]
    fn create_cache(&self) -> ConfirmCache {
        ConfirmCache {
            whole: self.whole.create_cache(),
            ends: self.ends.create_cache(),
        }
    }

    /// How many bytes the tail takes after a match that ends at `at` in `text` (the tail's
    /// first way that succeeds: the end of the text, a character outside the first class, a
    /// character in it followed by the end or a character outside the second), or `None`.
    fn tail_length(&self, text: &str, at: usize) -> Option<usize> {
        let Some((first, second)) = &self.refused else {
            return Some(0);
        };
        let mut rest = text[at..].chars();
        let Some(next) = rest.next() else {
            return Some(0);
        };
        if !first.contains(next) {
            return Some(next.len_utf8());
        }
        let second = second.as_ref()?;
        match rest.next() {
            None => Some(next.len_utf8()),
            Some(after) if !second.contains(after) => Some(next.len_utf8() + after.len_utf8()),
            Some(_) => None,
        }
    }

    /// The end of the pattern proper in the match starting at `start` within `text`, or
    /// `Some(None)` when there is no match; `None` when this way cannot tell (the caller then
    /// captures).
    fn pattern_end(
        &self,
        text: &str,
        start: usize,
        cache: &mut ConfirmCache,
    ) -> Option<Option<usize>> {
        let haystack = text.as_bytes().get(start..)?;
        let Some(found) = walk_anchored(&self.whole, &mut cache.whole, haystack, |_| ()).ok()?
        else {
            return Some(None);
        };
        let end = start + found;
        // Where the tail may have begun: it takes at most two characters.
        let mut tails = [0; 3];
        let mut count = 0;
        let mut at = end;
        for _ in 0..3 {
            if at < start {
                break;
            }
            if self.tail_length(text, at) == Some(end - at) {
                tails[count] = at;
                count += 1;
            }
            match text[..at].chars().next_back() {
                Some(character) => at -= character.len_utf8(),
                None => break,
            }
        }
        // The place where the pattern proper really ended is among these (the tail took
        // there what `tail_length` says), so when it is the only one, no search is needed.
        if count == 1 && self.tail_exact {
            return Some(Some(tails[0]));
        }
        // Otherwise, the one where the pattern proper can end, read in one walk.
        let tails = &tails[..count];
        let mut ends = [false; 3];
        walk_anchored(&self.ends, &mut cache.ends, &haystack[..found], |at| {
            if let Some(index) = tails.iter().position(|&tail| tail == start + at) {
                ends[index] = true;
            }
        })
        .ok()?;
        let mut candidates = tails.iter().zip(ends).filter(|(_, end)| *end);
        match (candidates.next(), candidates.next()) {
            (Some((&only, _)), None) => Some(Some(only)),
            _ => None,
        }
    }
}

/// One pattern with its boundaries, compiled twice (see the module documentation).
#[derive(Clone, Debug)]
struct BoundedPattern {
    /// The pattern where no character precedes it: a retry cut short, or a match the
    /// [`WithoutCaptures`] walk cannot take ([`RecognizerMatcher::match_at`]). Compiled on
    /// first use from `at_text_start_source`: most patterns never need it, and compiling a
    /// pattern is most of what building an engine costs.
    at_text_start: OnceLock<Option<Regex>>,
    at_text_start_source: String,
    ignore_case: bool,
    /// The pattern at the start of the text or consuming the one character before its real
    /// start.
    after_a_character: Regex,
    /// Capture index of the `value` group, when the pattern has one.
    value_group: Option<usize>,
    /// The same match found without captures, where that can be done.
    without_captures: Option<WithoutCaptures>,
}

/// Capture index of the group around the pattern proper (group 0 is the whole match).
const FOUND: usize = 1;

impl BoundedPattern {
    /// The pattern anchored at the start of the haystack, compiled on first use; `None` only
    /// if it does not compile (it cannot fail where the pattern after a character compiled:
    /// it is that pattern with its first alternative only).
    fn at_text_start(&self) -> Option<&Regex> {
        self.at_text_start
            .get_or_init(|| compile(&self.at_text_start_source, self.ignore_case).ok())
            .as_ref()
    }

    fn new(pattern: &PatternSpec, ignore_case: bool) -> Result<Self, CompileError> {
        let core = format!("({})", pattern.regex);
        let tail = tail(&pattern.not_before)?;
        let before = match &pattern.not_after {
            Some(class) => format!("[^{class}]"),
            None => "(?s:.)".to_owned(),
        };
        let at_text_start_source = format!(r"\A{core}{tail}");
        // `\A` matches only where the haystack begins, whatever offset a search starts
        // from: one regex serves the start of the text and every later position.
        let after_a_character = compile(&format!(r"(?:\A|{before}){core}{tail}"), ignore_case)?;
        let value_group = after_a_character
            .capture_names()
            .position(|name| name == Some("value"));
        let without_captures = if value_group.is_none() {
            WithoutCaptures::new(pattern, ignore_case)?
        } else {
            None
        };
        Ok(BoundedPattern {
            at_text_start: OnceLock::new(),
            at_text_start_source,
            ignore_case,
            after_a_character,
            value_group,
            without_captures,
        })
    }

    /// The first match whose real start is `position` or later: the span to report and the
    /// span of the pattern proper (where the next search continues).
    fn next_at(&self, text: &str, position: usize) -> Option<(Span, Span)> {
        // A capturing search runs the lazy DFA first and the capture engine only on the span
        // it found, so a search that finds nothing costs no more than `is_match` would.
        let captures = if position == 0 {
            // At the start `\A` is tried before a consumed boundary character: a match
            // that starts there wins over one a character later.
            self.after_a_character.captures(text)
        } else {
            // Search from the character before `position`: it is consumed as the boundary.
            let from = text[..position]
                .char_indices()
                .next_back()
                .map_or(0, |(index, _)| index);
            self.after_a_character.captures_at(text, from)
        }?;
        let found = captures.get(FOUND)?;
        let reported = self
            .value_group
            .and_then(|group| captures.get(group))
            .unwrap_or(found);
        Some((
            Span {
                start: reported.start(),
                end: reported.end(),
            },
            Span {
                start: found.start(),
                end: found.end(),
            },
        ))
    }
}

/// A byte range of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    start: usize,
    end: usize,
}

/// The patterns of one recognizer, found as Python finds matches of their alternation.
///
/// Each pattern is searched on its own (small regexes keep the lazy DFA fast) and the results
/// are merged the way an alternation chooses: the leftmost real start wins, and at one start
/// the first pattern in order; the search then continues after the winner.
#[derive(Clone, Debug)]
pub struct RecognizerMatcher {
    patterns: Vec<BoundedPattern>,
    /// The alternation with tails but no boundary before: it matches wherever a real match
    /// can start, so it tells cheaply whether the recognizer can match at all.
    unbounded: String,
    caches: ConfirmPool,
}

/// The confirming DFAs' caches of a recognizer's patterns (`None` for a pattern confirmed by
/// capturing).
type ConfirmCaches = Vec<Option<ConfirmCache>>;

/// Makes a new set of [`ConfirmCaches`].
type CreateCaches = Box<dyn Fn() -> ConfirmCaches + Send + Sync + UnwindSafe + RefUnwindSafe>;

/// Caches for concurrent callers, as `regex` keeps its own: the thread that first takes a set
/// (the one that builds the engine, and warms it up) owns one without a lock; others take
/// theirs from a stack. A set keeps the states it built.
struct ConfirmPool {
    /// Each pattern's two confirming DFAs (`None` where it is confirmed by capturing).
    dfas: Arc<Vec<Option<(DFA, DFA)>>>,
    pool: Pool<ConfirmCaches, CreateCaches>,
}

impl ConfirmPool {
    fn new(dfas: Arc<Vec<Option<(DFA, DFA)>>>) -> Self {
        let made = Arc::clone(&dfas);
        let create: CreateCaches = Box::new(move || {
            made.iter()
                .map(|dfas| {
                    dfas.as_ref().map(|(whole, ends)| ConfirmCache {
                        whole: whole.create_cache(),
                        ends: ends.create_cache(),
                    })
                })
                .collect()
        });
        ConfirmPool {
            dfas,
            pool: Pool::new(create),
        }
    }
}

impl Clone for ConfirmPool {
    /// A new pool: its caches start empty.
    fn clone(&self) -> Self {
        ConfirmPool::new(Arc::clone(&self.dfas))
    }
}

impl std::fmt::Debug for ConfirmPool {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ConfirmPool")
    }
}

impl RecognizerMatcher {
    /// Compile `patterns` (strongest first, like the Python alternation).
    pub fn new(patterns: &[PatternSpec], ignore_case: bool) -> Result<Self, CompileError> {
        let compiled = patterns
            .iter()
            .map(|pattern| BoundedPattern::new(pattern, ignore_case))
            .collect::<Result<Vec<_>, _>>()?;
        let unbounded = patterns
            .iter()
            .map(|pattern| {
                Ok(format!(
                    "(?:{}){}",
                    pattern.regex,
                    tail(&pattern.not_before)?
                ))
            })
            .collect::<Result<Vec<_>, CompileError>>()?
            .join("|");
        let dfas = compiled
            .iter()
            .map(|pattern| {
                pattern
                    .without_captures
                    .as_ref()
                    .map(|fast| (fast.whole.clone(), fast.ends.clone()))
            })
            .collect();
        let matcher = RecognizerMatcher {
            patterns: compiled,
            unbounded,
            caches: ConfirmPool::new(Arc::new(dfas)),
        };
        Ok(matcher)
    }

    /// Every match in `text`, left to right, without overlaps, as Python's `finditer` finds
    /// them over the whole text with the patterns joined in one alternation.
    pub fn find_all(&self, text: &str) -> Vec<PatternMatch> {
        let mut found = Vec::new();
        self.find_from(text, 0, &mut found);
        found
    }

    /// The matches Python's `finditer(text, from)` finds: none starts before `from` (what
    /// precedes it still counts as the boundary); `text` ends where the search must end
    /// (Python's `endpos`: pass a prefix of the whole text). Appended to `found`.
    pub fn find_from(&self, text: &str, from: usize, found: &mut Vec<PatternMatch>) {
        // The next match of each pattern from `position` on; `None` once it has no more.
        let mut next: Vec<Option<(Span, Span)>> = self
            .patterns
            .iter()
            .map(|pattern| pattern.next_at(text, from))
            .collect();
        let mut position = from;
        loop {
            let winner = next
                .iter()
                .enumerate()
                .filter_map(|(index, candidate)| candidate.map(|(_, whole)| (whole.start, index)))
                .min();
            let Some((_, pattern)) = winner else {
                break;
            };
            let Some((reported, whole)) = next[pattern] else {
                break;
            };
            if reported.start != reported.end {
                found.push(PatternMatch {
                    pattern,
                    start: reported.start,
                    end: reported.end,
                    whole_start: whole.start,
                });
            }
            // The search continues after the match; an empty one still moves on a character.
            position = if whole.end > position {
                whole.end
            } else {
                text[position..]
                    .chars()
                    .next()
                    .map_or(text.len() + 1, |character| position + character.len_utf8())
            };
            if position > text.len() {
                break;
            }
            for (index, candidate) in next.iter_mut().enumerate() {
                if candidate.is_some_and(|(_, whole)| whole.start < position) {
                    *candidate = self.patterns[index].next_at(text, position);
                }
            }
        }
    }

    /// The matches Python's `finditer` finds over `text`, or in each of `windows` (`text` cut
    /// at the window's end), from a one pass's `starts` `(offset, pattern)` of this
    /// recognizer: at each start, in order, the first pattern that matches there wins, and
    /// the next match may start where it ends. Appended to `found`.
    pub fn confirm(
        &self,
        text: &str,
        starts: &[(usize, usize)],
        windows: Option<&[(usize, usize)]>,
        found: &mut Vec<PatternMatch>,
    ) {
        let whole = [(0, text.len())];
        let windows = windows.unwrap_or(&whole);
        let mut caches = self.caches.pool.get();
        let mut window = 0;
        let mut position = 0;
        let mut index = 0;
        while index < starts.len() {
            let at = starts[index].0;
            // The starts at `at` are this one and those after it with the same offset.
            let same = starts[index..]
                .iter()
                .take_while(|(offset, _)| *offset == at)
                .count();
            let here = &starts[index..index + same];
            index += same;
            while window < windows.len() && windows[window].1 <= at {
                window += 1;
                // A window is searched on its own: the search restarts at its beginning.
                position = 0;
            }
            let Some(&(low, high)) = windows.get(window) else {
                break;
            };
            if at < low || at < position {
                continue;
            }
            let Some((matched, matched_end)) = here
                .iter()
                .find_map(|&(_, pattern)| self.pattern_at(text, pattern, at, high, &mut caches))
            else {
                continue;
            };
            if matched.start != matched.end {
                found.push(matched);
            }
            position = if matched_end > at {
                matched_end
            } else {
                at + text[at..].chars().next().map_or(1, char::len_utf8)
            };
        }
    }

    /// The match Python's `pattern.match(text, start, end)` finds for the alternation: the
    /// first pattern in order that matches at `start` within `text[..end]` (what follows
    /// `end` is not seen, as with Python's `endpos`). `start` must be where an earlier match
    /// started, so the boundary before it already holds.
    pub fn match_at(&self, text: &str, start: usize, end: usize) -> Option<PatternMatch> {
        let mut caches = self.caches.pool.get();
        (0..self.patterns.len())
            .find_map(|index| self.pattern_at(text, index, start, end, &mut caches))
            .map(|(found, _)| found)
    }

    /// The match of the pattern at `index` alone that starts at `start` within
    /// `text[..end]` (its boundary before `start` is the caller's to check), and where the
    /// pattern proper ends (the next search starts there).
    fn pattern_at(
        &self,
        text: &str,
        index: usize,
        start: usize,
        end: usize,
        caches: &mut ConfirmCaches,
    ) -> Option<(PatternMatch, usize)> {
        let haystack = text.get(start..end)?;
        let pattern = self.patterns.get(index)?;
        if let (Some(fast), Some(Some(cache))) = (&pattern.without_captures, caches.get_mut(index))
        {
            if let Some(found) = fast.pattern_end(haystack, 0, cache) {
                let found = found?;
                return Some((
                    PatternMatch {
                        pattern: index,
                        start,
                        end: start + found,
                        whole_start: start,
                    },
                    start + found,
                ));
            }
        }
        let captures = pattern.at_text_start()?.captures(haystack)?;
        let found = captures.get(FOUND)?;
        let reported = pattern
            .value_group
            .and_then(|group| captures.get(group))
            .unwrap_or(found);
        Some((
            PatternMatch {
                pattern: index,
                start: start + reported.start(),
                end: start + reported.end(),
                whole_start: start + found.start(),
            },
            start + found.end(),
        ))
    }
}

/// The recognizers of a catalogue compiled together: one pass of a [`RegexSet`] over a text
/// (each recognizer's patterns without the boundary before them) tells which of them can
/// match at all, and only those search it.
#[derive(Clone, Debug)]
pub struct CompiledPatterns {
    recognizers: Vec<RecognizerMatcher>,
    can_match: RegexSet,
    /// What each recognizer was compiled from: `(patterns, ignore_case)`.
    specs: Vec<(Vec<PatternSpec>, bool)>,
    /// The recognizers whose matches begin with a digit, a capital letter or a label, found
    /// together in one pass over the text ([`crate::one_pass`]).
    one_pass: OnePass,
    /// For each recognizer: its index among the one pass's members, if it is one.
    member: Vec<Option<usize>>,
    /// For each member of the one pass: its recognizer.
    owner: Vec<usize>,
    /// For each recognizer outside the one pass that can be walked forwards on its own: that
    /// walk, compiled while deciding membership (the engine runs it over the recognizer's
    /// own windows; compiling it again doubled the e-mail address's share of a build).
    walked_alone: Vec<Option<OnePass>>,
}

/// A recognizer joins the one pass when the pass, run with its patterns alone, takes at most
/// this many DFA steps per byte of ordinary prose (see
/// [`OnePass::steps_per_byte_of_prose`]); the catalogue's take 0.2 or fewer, an e-mail
/// address's about 1.2 (its local part may begin at any word).
const MAX_STEPS_PER_BYTE_OF_PROSE: f64 = 0.5;

/// A match of a recognizer in a [`CompiledPatterns`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// Index of the recognizer in the order given to [`CompiledPatterns::new`].
    pub recognizer: usize,
    pub found: PatternMatch,
}

impl CompiledPatterns {
    /// Compile every recognizer's patterns: `(patterns, ignore_case)` each.
    pub fn new(recognizers: &[(Vec<PatternSpec>, bool)]) -> Result<Self, CompileError> {
        let compiled = recognizers
            .iter()
            .map(|(patterns, ignore_case)| RecognizerMatcher::new(patterns, *ignore_case))
            .collect::<Result<Vec<_>, _>>()?;
        let tests = compiled
            .iter()
            .zip(recognizers)
            .map(|(matcher, (_, ignore_case))| {
                let flags = if *ignore_case { "(?i)" } else { "" };
                format!("{flags}(?:{})", matcher.unbounded)
            });
        let can_match = RegexSetBuilder::new(tests)
            .size_limit(SIZE_LIMIT)
            .dfa_size_limit(SIZE_LIMIT)
            .build()
            .map_err(|error| CompileError::Regex(error.to_string()))?;
        let mut member = vec![None; recognizers.len()];
        let mut members: Vec<(&[PatternSpec], bool)> = Vec::new();
        let mut walked_alone: Vec<Option<OnePass>> = vec![None; recognizers.len()];
        for (index, (patterns, ignore_case)) in recognizers.iter().enumerate() {
            // Measured walked forwards: the e-mail address stays in its own pass over its `@`
            // windows even though the pass could find it from its `@` signs.
            let alone = OnePass::accepts(patterns, *ignore_case)
                .then(|| OnePass::walked_forwards(&[(patterns, *ignore_case)]).ok())
                .flatten();
            match alone {
                Some(alone) if alone.steps_per_byte_of_prose() <= MAX_STEPS_PER_BYTE_OF_PROSE => {
                    member[index] = Some(members.len());
                    members.push((patterns, *ignore_case));
                }
                alone => walked_alone[index] = alone,
            }
        }
        let one_pass = OnePass::new(&members).unwrap_or_else(|_| {
            member.iter_mut().for_each(|slot| *slot = None);
            OnePass::empty()
        });
        let owner = (0..member.len())
            .filter(|&index| member[index].is_some())
            .collect();
        Ok(CompiledPatterns {
            recognizers: compiled,
            can_match,
            specs: recognizers.to_vec(),
            one_pass,
            member,
            owner,
            walked_alone,
        })
    }

    /// The forward walk of recognizer `index` alone, when it is outside the one pass, can be
    /// walked forwards and was compiled while [`Self::new`] decided that (handed over once).
    pub fn take_walked_alone(&mut self, index: usize) -> Option<OnePass> {
        self.walked_alone.get_mut(index).and_then(Option::take)
    }

    /// True when the recognizer at `index` is found in the one pass.
    pub fn in_one_pass(&self, index: usize) -> bool {
        self.member.get(index).is_some_and(Option::is_some)
    }

    /// The one pass of the member recognizers (see [`Self::one_pass_matches`]); a
    /// [`crate::one_pass::Start`]'s recognizer is a member, [`Self::member_owner`] its index
    /// here.
    pub fn one_pass(&self) -> &OnePass {
        &self.one_pass
    }

    /// The index among all recognizers of the one pass's member `member`.
    pub fn member_owner(&self, member: usize) -> usize {
        self.owner[member]
    }

    /// The matches of every recognizer in the one pass over `text`, indexed like the
    /// recognizers (empty for the others), each as Python's `finditer` over the whole text
    /// finds them. `None` when the pass gave up: the caller searches another way.
    pub fn one_pass_matches(&self, text: &str) -> Option<Vec<Vec<PatternMatch>>> {
        let mut starts: Vec<Vec<(usize, usize)>> = vec![Vec::new(); self.recognizers.len()];
        if !self.one_pass.is_empty() {
            for start in self.one_pass.starts(text)? {
                starts[self.owner[start.recognizer]].push((start.at, start.pattern));
            }
        }
        Some(
            starts
                .iter()
                .enumerate()
                .map(|(index, starts)| {
                    let mut found = Vec::new();
                    if !starts.is_empty() {
                        self.recognizers[index].confirm(text, starts, None, &mut found);
                    }
                    found
                })
                .collect(),
        )
    }

    /// The patterns the recognizer at `index` was compiled from, and its case flag.
    pub fn spec(&self, index: usize) -> (&[PatternSpec], bool) {
        let (patterns, ignore_case) = &self.specs[index];
        (patterns, *ignore_case)
    }

    /// The compiled recognizer at `index`.
    pub fn recognizer(&self, index: usize) -> &RecognizerMatcher {
        &self.recognizers[index]
    }

    /// How many recognizers are compiled.
    pub fn len(&self) -> usize {
        self.recognizers.len()
    }

    /// True when no recognizer is compiled.
    pub fn is_empty(&self) -> bool {
        self.recognizers.is_empty()
    }

    /// Indexes of the recognizers that can match somewhere in `text` (one pass).
    pub fn can_match(&self, text: &str) -> Vec<usize> {
        self.can_match.matches(text).iter().collect()
    }

    /// Every recognizer's matches in `text`, recognizer by recognizer, each left to right.
    pub fn find_all(&self, text: &str) -> Vec<Candidate> {
        let mut candidates = Vec::new();
        let mut in_pass = self.one_pass_matches(text);
        let searched_alone =
            (0..self.recognizers.len()).any(|index| in_pass.is_none() || !self.in_one_pass(index));
        let can_match = searched_alone.then(|| self.can_match.matches(text));
        for recognizer in 0..self.recognizers.len() {
            let found = match (&mut in_pass, &can_match) {
                (Some(matches), _) if self.in_one_pass(recognizer) => {
                    std::mem::take(&mut matches[recognizer])
                }
                (_, Some(can_match)) if can_match.matched(recognizer) => {
                    self.recognizers[recognizer].find_all(text)
                }
                _ => continue,
            };
            candidates.extend(
                found
                    .into_iter()
                    .map(|found| Candidate { recognizer, found }),
            );
        }
        candidates
    }
}

/// Converts byte offsets of one text into character offsets (what Python's `str` indexes),
/// for offsets given in ascending order.
pub struct CharOffsets<'a> {
    text: &'a str,
    /// In ASCII text a byte offset is the character offset.
    ascii: bool,
    byte: usize,
    character: usize,
}

impl<'a> CharOffsets<'a> {
    pub fn new(text: &'a str) -> Self {
        CharOffsets {
            text,
            ascii: text.is_ascii(),
            byte: 0,
            character: 0,
        }
    }

    /// The character offset of byte offset `byte`, which must not be below the previous one
    /// asked for (an earlier offset restarts the count from the beginning).
    pub fn at(&mut self, byte: usize) -> usize {
        if self.ascii {
            return byte;
        }
        if byte < self.byte {
            self.byte = 0;
            self.character = 0;
        }
        let end = byte.min(self.text.len());
        if let Some(between) = self.text.get(self.byte..end) {
            self.character += between.chars().count();
            self.byte = end;
        }
        self.character
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(regex: &str, not_after: Option<&str>, not_before: &[&[&str]]) -> PatternSpec {
        PatternSpec {
            regex: regex.to_owned(),
            not_after: not_after.map(str::to_owned),
            not_before: not_before
                .iter()
                .map(|sequence| sequence.iter().map(|class| (*class).to_owned()).collect())
                .collect(),
        }
    }

    fn spans<'t>(matcher: &RecognizerMatcher, text: &'t str) -> Vec<(usize, &'t str)> {
        matcher
            .find_all(text)
            .into_iter()
            .map(|found| (found.pattern, &text[found.start..found.end]))
            .collect()
    }

    #[test]
    fn boundaries_before_and_after() {
        // (?<![\d\p{L}-])\d{2}(?:0[1-9]|1[0-2])\d{2}-\d{4}(?!\d)
        let matcher = RecognizerMatcher::new(
            &[spec(
                r"\d{2}(?:0[1-9]|1[0-2])\d{2}-\d{4}",
                Some(r"\d\p{L}-"),
                &[&[r"\d"]],
            )],
            false,
        )
        .expect("compiles");
        assert_eq!(spans(&matcher, "850601-2387"), [(0, "850601-2387")]);
        assert_eq!(spans(&matcher, "pnr 850601-2387."), [(0, "850601-2387")]);
        assert!(spans(&matcher, "x850601-2387").is_empty());
        assert!(spans(&matcher, "1850601-2387").is_empty());
        assert!(spans(&matcher, "850601-23870").is_empty());
        assert_eq!(
            spans(&matcher, "850601-2387 850601-2387"),
            [(0, "850601-2387"), (0, "850601-2387")]
        );
        assert_eq!(spans(&matcher, "å850601-2387 ä 850601-2387").len(), 1);
    }

    #[test]
    fn a_failing_lookahead_backtracks_into_a_shorter_match() {
        // (?:[ -]\d{2,3}){0,3}(?![\d.,:]\d)(?!-\d): "08-123 45 67-8" is cut to "08-123 45",
        // as Python's regex module cuts it.
        let matcher = RecognizerMatcher::new(
            &[spec(
                r"0\d{1,3}-\d{2,8}(?:[ -]\d{2,3}){0,3}",
                Some(r"\d\p{L}+.-"),
                &[&[r"\d.,:", r"\d"], &["-", r"\d"]],
            )],
            false,
        )
        .expect("compiles");
        assert_eq!(spans(&matcher, "08-123 45 67-8"), [(0, "08-123 45")]);
        assert_eq!(spans(&matcher, "08-123 45 67.5"), [(0, "08-123 45")]);
        assert_eq!(spans(&matcher, "08-123 45 67-89"), [(0, "08-123 45 67-89")]);
        assert_eq!(spans(&matcher, "08-123 45 67"), [(0, "08-123 45 67")]);
    }

    #[test]
    fn alternatives_in_order_at_each_start() {
        let matcher = RecognizerMatcher::new(
            &[
                spec(r"\d{4}-\d{4}", Some(r"\d"), &[&[r"\d"]]),
                spec(r"\d{3}-\d{4}", Some(r"\d"), &[&[r"\d"]]),
            ],
            false,
        )
        .expect("compiles");
        assert_eq!(
            spans(&matcher, "991-2346 5402-9681"),
            [(1, "991-2346"), (0, "5402-9681")]
        );
    }

    #[test]
    fn groups_inside_a_pattern_do_not_confuse_which_pattern_matched() {
        let matcher = RecognizerMatcher::new(
            &[
                spec(r"(a)(b)x", None, &[]),
                spec(r"c", None, &[]),
                spec(r"d", None, &[]),
            ],
            false,
        )
        .expect("compiles");
        assert_eq!(spans(&matcher, "abx c d"), [(0, "abx"), (1, "c"), (2, "d")]);
    }

    #[test]
    fn a_value_group_is_what_is_reported() {
        let matcher = RecognizerMatcher::new(
            &[spec(
                r"(?i:clearing)\s*(?P<value>\d{4}-\d{7})",
                None,
                &[&[r"\d-"]],
            )],
            false,
        )
        .expect("compiles");
        assert_eq!(
            spans(&matcher, "Clearing 1274-0235305"),
            [(0, "1274-0235305")]
        );
    }

    #[test]
    fn matches_found_without_captures_are_those_captured() {
        // Every start of many pseudo-random texts: the end found from the tail's possible
        // lengths is the end the capturing engine reports.
        let patterns = [
            spec(
                r"(?:\(0\d{1,3}\)|0\d{1,3})(?:[ /-]|–)?\d{2,8}(?:[ -]\d{2,3}){0,3}",
                Some(r"\d\p{L}+.-"),
                &[&[r"\d.,:", r"\d"], &["-", r"\d"]],
            ),
            spec(
                r"\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[-+ ]?\d{4}",
                Some(r"\d\p{L}"),
                &[&[r"\d"]],
            ),
            spec(r"\d{1,3}(?: \d{2}){1,3}-\d", None, &[&[r"\d-"]]),
            spec(r"[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}", None, &[]),
        ];
        let alphabet: Vec<char> = "0123456789 -.,:()SEå".chars().collect();
        let mut seed: u64 = 0x5eed;
        let mut compared = 0;
        for pattern in &patterns {
            let bounded = BoundedPattern::new(pattern, false).expect("compiles");
            let fast = bounded.without_captures.as_ref().expect("no value group");
            let mut cache = fast.create_cache();
            for _ in 0..3000 {
                let length = 4 + (seed % 20) as usize;
                let text: String = (0..length)
                    .map(|_| {
                        seed = seed
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        alphabet[(seed >> 33) as usize % alphabet.len()]
                    })
                    .collect();
                for (start, _) in text.char_indices() {
                    let Some(found) = fast.pattern_end(&text, start, &mut cache) else {
                        continue;
                    };
                    let captured = bounded
                        .at_text_start()
                        .expect("compiles")
                        .captures(&text[start..])
                        .and_then(|captures| captures.get(FOUND))
                        .map(|group| start + group.end());
                    assert_eq!(found, captured, "{text:?} from {start}");
                    compared += 1;
                }
            }
        }
        assert!(compared > 10_000, "{compared}");
    }

    #[test]
    fn the_pattern_proper_ends_where_the_tail_lets_it() {
        // (pattern, ignore case, text, where the pattern proper ends): a two-character tail
        // that leaves two places it may have begun, a case-insensitive tail (the end is read
        // from the pattern's own walk), and no match.
        let phone = spec(
            r"0\d{1,3}-\d{2,8}(?:[ -]\d{2,3}){0,3}",
            Some(r"\d\p{L}+.-"),
            &[&[r"\d.,:", r"\d"], &["-", r"\d"]],
        );
        let label = spec(r"(?:nr|no)\.? ?\d{4}", None, &[&[r"\dA-Z"]]);
        let cases: &[(&PatternSpec, bool, &str, Option<usize>)] = &[
            (&phone, false, "08-123 45 67. Sedan", Some(12)),
            (&phone, false, "08-123 45 67.5", Some(9)),
            (&phone, false, "08-123 45 67-8", Some(9)),
            (&phone, false, "08-123 45 67", Some(12)),
            (&phone, false, "08-123 45 67 ", Some(12)),
            (&phone, false, "08-1", None),
            (&label, true, "NR. 1234 x", Some(8)),
            (&label, true, "no 1234", Some(7)),
            (&label, true, "No 12345", None),
            (&label, true, "no 1234a", None),
        ];
        for &(pattern, ignore_case, text, expected) in cases {
            let bounded = BoundedPattern::new(pattern, ignore_case).expect("compiles");
            let fast = bounded.without_captures.as_ref().expect("no value group");
            let mut cache = fast.create_cache();
            assert_eq!(
                fast.pattern_end(text, 0, &mut cache),
                Some(expected),
                "{text:?}"
            );
        }
    }

    #[test]
    fn threads_confirm_alike_with_their_own_caches() {
        let matcher = RecognizerMatcher::new(
            &[spec(
                r"\d{2}(?:0[1-9]|1[0-2])\d{2}-\d{4}",
                Some(r"\d\p{L}-"),
                &[&[r"\d"]],
            )],
            false,
        )
        .expect("compiles");
        let text = "pnr 850601-2387, 850601-23870 och å850601-2387 samt 850601-2387.";
        // Every character a start: the boundary before is the one pass's to check, so the
        // one after `å` is confirmed too.
        let starts: Vec<(usize, usize)> = text.char_indices().map(|(at, _)| (at, 0)).collect();
        let mut alone = Vec::new();
        matcher.confirm(text, &starts, None, &mut alone);
        let expected: Vec<(usize, &str)> = alone
            .iter()
            .map(|found| (found.pattern, &text[found.start..found.end]))
            .collect();
        assert_eq!(expected.len(), 3);
        std::thread::scope(|scope| {
            for _ in 0..4 {
                scope.spawn(|| {
                    for _ in 0..50 {
                        let mut found = Vec::new();
                        matcher.confirm(text, &starts, None, &mut found);
                        let spans: Vec<(usize, &str)> = found
                            .iter()
                            .map(|found| (found.pattern, &text[found.start..found.end]))
                            .collect();
                        assert_eq!(spans, expected);
                    }
                });
            }
        });
    }

    #[test]
    fn catastrophic_patterns_run_in_linear_time() {
        // Under backtracking, `(\d|\d\d)+$` on a run of digits followed by a letter takes
        // exponential time; here it is one linear pass.
        let matcher =
            RecognizerMatcher::new(&[spec(r"(\d|\d\d)+$", None, &[])], false).expect("compiles");
        let text = format!("{}x", "1".repeat(200_000));
        assert!(matcher.find_all(&text).is_empty());
        assert_eq!(matcher.find_all(&"1".repeat(200_000)).len(), 1);
    }

    #[test]
    fn catastrophic_patterns_stay_linear_in_the_one_pass() {
        // The pattern joins the one pass (it costs nothing on prose); on a long run of
        // digits the pass gives up and the recognizer is searched on its own.
        let patterns = CompiledPatterns::new(&[(vec![spec(r"(\d|\d\d)+$", None, &[])], false)])
            .expect("compiles");
        assert!(patterns.in_one_pass(0));
        let text = format!("{}x", "1".repeat(400_000));
        assert!(patterns.find_all(&text).is_empty());
        assert_eq!(patterns.find_all(&"1".repeat(400_000)).len(), 1);
    }

    #[test]
    fn lookaround_is_refused() {
        let refused = RecognizerMatcher::new(&[spec(r"(?<!\d)\d+", None, &[])], false);
        assert!(matches!(refused, Err(CompileError::Regex(_))));
        let mixed = RecognizerMatcher::new(&[spec(r"\d", None, &[&[r"\d"], &["-", r"\d"]])], false);
        assert_eq!(mixed.err(), Some(CompileError::UnsupportedBoundary));
    }

    #[test]
    fn the_prefilter_skips_recognizers_that_cannot_match() {
        let patterns = CompiledPatterns::new(&[
            (vec![spec(r"\d{4}", Some(r"\d"), &[&[r"\d"]])], false),
            (vec![spec(r"[\w.]+@[\w.]+", None, &[])], false),
        ])
        .expect("compiles");
        let found = patterns.find_all("ring 1234 eller skriv till a@b.se");
        let recognizers: Vec<usize> = found.iter().map(|c| c.recognizer).collect();
        assert_eq!(recognizers, [0, 1]);
        assert!(patterns.find_all("bara prosa här").is_empty());
    }

    #[test]
    fn character_offsets() {
        let text = "åäö 850601-2387 ü";
        let mut offsets = CharOffsets::new(text);
        let start = text.find('8').expect("present");
        assert_eq!(offsets.at(start), 4);
        assert_eq!(offsets.at(start + 11), 15);
        assert_eq!(offsets.at(0), 0);
        assert_eq!(CharOffsets::new("abc").at(2), 2);
    }
}
