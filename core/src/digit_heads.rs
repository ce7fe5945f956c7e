//! Starts of patterns found backwards from their first digit.
//!
//! [`crate::one_pass`] starts an anchored DFA at every position where some pattern can begin.
//! A street line (`Storgatan 12`, `Stora Nygatan 5`, `c/o Anna Svensson, Storgatan 5`,
//! `Box 12`) can begin at any capitalised word, so every capitalised word of prose started a
//! walk through the street patterns, and those walks built most of the DFA's states: the cost of
//! sparse prose and of a fresh engine's first texts. Yet every street line holds a house number
//! after white space, and digits after white space are rare in prose.
//!
//! So a pattern that is a head without a digit followed by a rest that begins with one is cut
//! there ([`cut_at_first_digit`]): in any match of it, the rest begins at the match's first
//! digit. Its starts are found from that digit instead: at each place where a digit follows a
//! character a head can end with, a reverse anchored DFA of the heads runs backwards and
//! reports every place a head begins (a prefix such as `Stora`, a `c/o` line and the street
//! word itself each make one), and a forward anchored DFA of the rests, from the digit, tells
//! which patterns match on. A start is where both agree for one pattern: exactly the starts the
//! forward walk from every position finds, because the digit a head ends before is the first
//! digit after its start, whichever start it is.
//!
//! The backward walks cost no more than the text: each stops at the digit before (a head holds
//! none), so two walks never read the same byte.

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind};
use regex_syntax::hir::{Class, ClassUnicode, Hir, HirKind};

use crate::matcher::CompileError;

/// One pattern cut before its first digit: `head` matches only texts with no digit and never
/// the empty text, and every match of `rest` begins with a digit.
#[derive(Clone, Debug)]
pub struct Cut {
    pub head: Hir,
    pub rest: Hir,
}

/// `form` (a pattern as the one pass compiles it: flags, pattern and tail) cut before its first
/// digit, or `None` when it is not a head without digits followed by a rest that begins with
/// one (its concatenation at the top level is looked at, not inside its groups).
pub fn cut_at_first_digit(form: &str) -> Option<Cut> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(form)
        .ok()?;
    let digits = digit_class()?;
    let HirKind::Concat(items) = hir.kind() else {
        return None;
    };
    (1..items.len()).find_map(|at| {
        let head = Hir::concat(items[..at].to_vec());
        let rest = Hir::concat(items[at..].to_vec());
        let head_fits = head
            .properties()
            .minimum_len()
            .is_some_and(|length| length > 0)
            && head.properties().look_set().is_empty()
            && !may_hold(&head, &digits);
        let rest_fits = match first_characters(&rest) {
            Some((firsts, false)) => !firsts.ranges().is_empty() && is_subset(&firsts, &digits),
            _ => false,
        };
        (head_fits && rest_fits).then_some(Cut { head, rest })
    })
}

/// The characters `\d` matches (what the patterns mean by a digit: Unicode's decimal digits).
fn digit_class() -> Option<ClassUnicode> {
    let hir = regex_syntax::Parser::new().parse(r"\d").ok()?;
    match hir.into_kind() {
        HirKind::Class(Class::Unicode(class)) => Some(class),
        _ => None,
    }
}

fn is_subset(class: &ClassUnicode, of: &ClassUnicode) -> bool {
    let mut outside = class.clone();
    outside.difference(of);
    outside.ranges().is_empty()
}

fn class_holds(class: &ClassUnicode, character: char) -> bool {
    class
        .ranges()
        .iter()
        .any(|range| range.start() <= character && character <= range.end())
}

/// True when some match of `hir` may hold a character of `class` (or `hir` is of a kind this
/// does not read: a byte class, an assertion).
fn may_hold(hir: &Hir, class: &ClassUnicode) -> bool {
    match hir.kind() {
        HirKind::Empty => false,
        HirKind::Literal(literal) => std::str::from_utf8(&literal.0)
            .map_or(true, |text| text.chars().any(|c| class_holds(class, c))),
        HirKind::Class(Class::Unicode(members)) => {
            let mut shared = members.clone();
            shared.intersect(class);
            !shared.ranges().is_empty()
        }
        HirKind::Class(Class::Bytes(_)) | HirKind::Look(_) => true,
        HirKind::Repetition(repetition) => {
            repetition.max != Some(0) && may_hold(&repetition.sub, class)
        }
        HirKind::Capture(capture) => may_hold(&capture.sub, class),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().any(|sub| may_hold(sub, class))
        }
    }
}

/// The characters a match of `hir` may begin with, and whether it may be empty; `None` for a
/// byte class. An assertion takes no character (it is read as matching the empty text, which
/// only widens what is returned).
fn first_characters(hir: &Hir) -> Option<(ClassUnicode, bool)> {
    let none = || ClassUnicode::empty();
    Some(match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => (none(), true),
        HirKind::Literal(literal) => match std::str::from_utf8(&literal.0).ok()?.chars().next() {
            Some(first) => (
                ClassUnicode::new([regex_syntax::hir::ClassUnicodeRange::new(first, first)]),
                false,
            ),
            None => (none(), true),
        },
        HirKind::Class(Class::Unicode(members)) => (members.clone(), false),
        HirKind::Class(Class::Bytes(_)) => return None,
        HirKind::Repetition(repetition) => {
            let (firsts, empty) = first_characters(&repetition.sub)?;
            (firsts, empty || repetition.min == 0)
        }
        HirKind::Capture(capture) => first_characters(&capture.sub)?,
        HirKind::Concat(subs) => {
            let mut firsts = none();
            for sub in subs {
                let (more, empty) = first_characters(sub)?;
                firsts.union(&more);
                if !empty {
                    return Some((firsts, false));
                }
            }
            (firsts, true)
        }
        HirKind::Alternation(subs) => {
            let mut firsts = none();
            let mut any_empty = false;
            for sub in subs {
                let (more, empty) = first_characters(sub)?;
                firsts.union(&more);
                any_empty |= empty;
            }
            (firsts, any_empty)
        }
    })
}

/// The heads and rests of cut patterns, compiled (see the module documentation). Pattern `i`
/// of both DFAs is the `i`-th cut given to [`DigitHeads::new`].
#[derive(Clone, Debug)]
pub struct DigitHeads {
    /// The heads, reversed: run backwards from a digit, they match where a head begins.
    reverse: DFA,
    /// The rests: run forwards from a digit, they match when a pattern goes on from there.
    rests: DFA,
    /// For each byte: the reverse DFA lives on after reading it first (a head can end with the
    /// character it ends).
    ends_head: [bool; 256],
    /// For each byte: a rest can begin with it (an ASCII digit, or the first byte of a longer
    /// character in a rest's first class).
    begins_rest: [bool; 256],
}

/// The caches of a [`DigitHeads`]' two lazy DFAs.
#[derive(Debug)]
pub struct HeadCaches {
    reverse: Cache,
    rests: Cache,
}

/// Steps taken and the most allowed, shared with the one pass (see its budget).
pub struct Steps<'s> {
    pub taken: &'s mut usize,
    pub budget: usize,
}

impl Steps<'_> {
    fn take(&mut self) -> Option<()> {
        *self.taken += 1;
        (*self.taken <= self.budget).then_some(())
    }
}

fn regex_error(error: impl std::fmt::Display) -> CompileError {
    CompileError::Regex(error.to_string())
}

impl DigitHeads {
    /// Compile `cuts` with the lazy DFAs' cache capacity `capacity`.
    pub fn new(cuts: &[Cut], capacity: usize) -> Result<Self, CompileError> {
        let dfa = |reverse: bool, hirs: Vec<&Hir>| {
            let nfa = thompson::Compiler::new()
                .configure(
                    thompson::Config::new()
                        .reverse(reverse)
                        .shrink(true)
                        .which_captures(thompson::WhichCaptures::None),
                )
                .build_many_from_hir(&hirs)
                .map_err(regex_error)?;
            DFA::builder()
                .configure(
                    DFA::config()
                        .match_kind(MatchKind::All)
                        .cache_capacity(capacity),
                )
                .build_from_nfa(nfa)
                .map_err(regex_error)
        };
        let reverse = dfa(true, cuts.iter().map(|cut| &cut.head).collect())?;
        let rests = dfa(false, cuts.iter().map(|cut| &cut.rest).collect())?;
        let mut ends_head = [false; 256];
        let mut cache = reverse.create_cache();
        let begin = anchored_start(&reverse, &mut cache)?;
        for (byte, ends) in (0..=255u8).zip(ends_head.iter_mut()) {
            *ends = reverse
                .next_state(&mut cache, begin, byte)
                .map_or(true, |state| !state.is_dead());
        }
        let mut begins_rest = [false; 256];
        let mut firsts = ClassUnicode::empty();
        for cut in cuts {
            let (more, _) = first_characters(&cut.rest)
                .ok_or_else(|| CompileError::Regex("a byte class in a cut pattern".into()))?;
            firsts.union(&more);
        }
        for range in firsts.ranges() {
            // The first byte of a character's UTF-8 form grows with the character: a range's
            // characters begin with the bytes from its first's to its last's.
            let lead = |character: char| character.encode_utf8(&mut [0; 4]).as_bytes()[0];
            for byte in lead(range.start())..=lead(range.end()) {
                begins_rest[usize::from(byte)] = true;
            }
        }
        Ok(DigitHeads {
            reverse,
            rests,
            ends_head,
            begins_rest,
        })
    }

    /// New caches for [`DigitHeads::starts_at`].
    pub fn create_caches(&self) -> HeadCaches {
        HeadCaches {
            reverse: self.reverse.create_cache(),
            rests: self.rests.create_cache(),
        }
    }

    /// True when a cut pattern's rest may begin at `at` (`at > 0`): its byte can begin a rest
    /// and the byte before can end a head. Every place [`DigitHeads::starts_at`] finds a start
    /// for passes this test.
    #[inline]
    pub fn may_begin_rest(&self, before: u8, byte: u8) -> bool {
        self.ends_head[usize::from(before)] & self.begins_rest[usize::from(byte)]
    }

    /// Every `(start, cut)` such that a head of that cut matches `bytes[start..at]` and its
    /// rest matches from `at` (the pattern matches at `start`), for which `keep(start, cut)`
    /// holds, appended to `found` in the order of the starts, then of the cuts. `None` when a
    /// DFA gave up or the steps ran out.
    pub fn starts_at(
        &self,
        bytes: &[u8],
        at: usize,
        caches: &mut HeadCaches,
        steps: &mut Steps<'_>,
        keep: impl Fn(usize, usize) -> bool,
        found: &mut Vec<(usize, usize)>,
    ) -> Option<()> {
        let first = found.len();
        let mut state = anchored_start(&self.reverse, &mut caches.reverse).ok()?;
        let mut position = at;
        loop {
            let (next, begins) = match position.checked_sub(1) {
                Some(before) => (
                    self.reverse
                        .next_state(&mut caches.reverse, state, bytes[before])
                        .ok()?,
                    position,
                ),
                None => (
                    self.reverse
                        .next_eoi_state(&mut caches.reverse, state)
                        .ok()?,
                    0,
                ),
            };
            state = next;
            steps.take()?;
            if state.is_tagged() {
                if state.is_quit() {
                    return None;
                }
                if state.is_dead() {
                    break;
                }
                // Match states come one byte late: a head begins where the byte just read
                // ends.
                if state.is_match() {
                    for index in 0..self.reverse.match_len(&caches.reverse, state) {
                        let cut = self
                            .reverse
                            .match_pattern(&caches.reverse, state, index)
                            .as_usize();
                        if keep(begins, cut) {
                            found.push((begins, cut));
                        }
                    }
                }
            }
            match position.checked_sub(1) {
                Some(before) => position = before,
                None => break,
            }
        }
        if found.len() == first {
            return Some(());
        }
        let going_on = self.rests_from(bytes, at, &mut caches.rests, steps)?;
        let mut kept = first;
        for index in first..found.len() {
            if going_on.contains(&found[index].1) {
                found[kept] = found[index];
                kept += 1;
            }
        }
        found.truncate(kept);
        found[first..].sort_unstable();
        let mut previous = None;
        let mut write = first;
        for index in first..found.len() {
            if previous != Some(found[index]) {
                previous = Some(found[index]);
                found[write] = found[index];
                write += 1;
            }
        }
        found.truncate(write);
        Some(())
    }

    /// The cuts whose rest matches from `at`.
    fn rests_from(
        &self,
        bytes: &[u8],
        at: usize,
        cache: &mut Cache,
        steps: &mut Steps<'_>,
    ) -> Option<Vec<usize>> {
        let mut matched = Vec::new();
        let mut state = anchored_start(&self.rests, cache).ok()?;
        let collect = |cache: &Cache, state: LazyStateID, matched: &mut Vec<usize>| {
            for index in 0..self.rests.match_len(cache, state) {
                matched.push(self.rests.match_pattern(cache, state, index).as_usize());
            }
        };
        for &byte in &bytes[at..] {
            state = self.rests.next_state(cache, state, byte).ok()?;
            steps.take()?;
            if state.is_tagged() {
                if state.is_quit() {
                    return None;
                }
                if state.is_dead() {
                    return Some(matched);
                }
                if state.is_match() {
                    collect(cache, state, &mut matched);
                }
            }
        }
        state = self.rests.next_eoi_state(cache, state).ok()?;
        if state.is_match() {
            collect(cache, state, &mut matched);
        }
        Some(matched)
    }
}

/// The anchored start state (the heads look at nothing around them, the rests only at the
/// end of the text, so one start state serves every position).
fn anchored_start(dfa: &DFA, cache: &mut Cache) -> Result<LazyStateID, CompileError> {
    dfa.start_state(cache, &start::Config::new().anchored(Anchored::Yes))
        .map_err(regex_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_before_the_first_digit() {
        let street = r"(?:(?:Stora|Lilla)\s+)?\p{Lu}\p{Ll}*(?:gatan|vägen)\s+\d{1,5}(?:\z|[^\d])";
        let cut = cut_at_first_digit(street).expect("cut");
        assert!(cut.head.properties().minimum_len() > Some(0));
        // A head that may hold a digit, a rest that may begin with a letter, a head that may
        // be empty, a top level that is not a concatenation: no cut.
        for form in [
            r"[A-Z0-9]{3}\s\d{2}",
            r"Box\s+[\dA]",
            r"\d{4}-\d{4}",
            r"Box\s+\d|\d{4}",
            r"\bBox\s+\d",
        ] {
            assert!(cut_at_first_digit(form).is_none(), "{form}");
        }
        assert!(cut_at_first_digit(r"(?i)född:?\s*\d{6}").is_some());
    }

    #[test]
    fn every_start_of_a_street_before_its_number() {
        let forms = [
            r"(?:c/o\s+\p{Lu}\p{Ll}+,\s*)?(?:(?:Stora)\s+)?\p{Lu}\p{Ll}*gatan\s+\d{1,5}",
            r"Box\s+\d{1,5}[A-H]",
        ];
        let cuts: Vec<Cut> = forms
            .iter()
            .map(|form| cut_at_first_digit(form).expect("cut"))
            .collect();
        let heads = DigitHeads::new(&cuts, 1 << 20).expect("compiles");
        let mut caches = heads.create_caches();
        let text = "c/o Anna, Stora Nygatan 5 och Box 12A";
        let mut found = Vec::new();
        let mut taken = 0;
        let mut steps = Steps {
            taken: &mut taken,
            budget: usize::MAX,
        };
        let five = text.find('5').expect("five");
        assert!(heads.may_begin_rest(b' ', b'5'));
        heads
            .starts_at(
                text.as_bytes(),
                five,
                &mut caches,
                &mut steps,
                |_, _| true,
                &mut found,
            )
            .expect("walks");
        assert_eq!(found, [(0, 0), (10, 0), (16, 0)]);
        found.clear();
        let twelve = text.find("12").expect("twelve");
        heads
            .starts_at(
                text.as_bytes(),
                twelve,
                &mut caches,
                &mut steps,
                |_, _| true,
                &mut found,
            )
            .expect("walks");
        assert_eq!(found, [(30, 1)]);
    }
}
