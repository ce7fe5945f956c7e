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
//! there ([`cut_before_rest`]): in any match of it, the rest begins at the match's first
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

/// `form` (a pattern as the one pass compiles it: flags, pattern and tail) cut where its rest
/// begins: a head that holds none of the characters the rest may begin with, and a rest that
/// never matches the empty text and begins with none of what words are made of (an ASCII letter
/// or white space: a digit, `:`, `@`). `None` when no cut of its concatenation at the top level
/// (not inside its groups) is one.
pub fn cut_before_rest(form: &str) -> Option<Cut> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(form)
        .ok()?;
    let words = regex_syntax::Parser::new().parse(r"[A-Za-z\s]").ok()?;
    let HirKind::Class(Class::Unicode(words)) = words.into_kind() else {
        return None;
    };
    let HirKind::Concat(items) = hir.kind() else {
        return None;
    };
    (1..items.len()).find_map(|at| {
        let head = Hir::concat(items[..at].to_vec());
        let rest = Hir::concat(items[at..].to_vec());
        let (firsts, false) = first_characters(&rest)? else {
            return None;
        };
        let fits = !firsts.ranges().is_empty()
            && !may_hold(&Hir::class(Class::Unicode(firsts.clone())), &words)
            && head.properties().minimum_len().is_some()
            && head.properties().look_set().is_empty()
            && !may_hold(&head, &firsts);
        fits.then_some(Cut { head, rest })
    })
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

/// The heads and rests of cut patterns, compiled (see the module documentation). Heads are
/// grouped by the characters their rests begin with (a digit, `:`), and each group has a
/// reverse DFA of its heads, so a place walks back only the heads whose rests may begin there.
/// Cuts with the same head (a recognizer's variants of one line) share it, and each head has
/// a DFA of its own cuts' rests.
#[derive(Clone, Debug)]
pub struct DigitHeads {
    groups: Vec<Group>,
    /// Bit `(before, byte)`: some group's rest may begin with `byte` after `before`.
    pairs: Box<[u64; 1024]>,
    /// For each byte: some group's rest may begin the text with it (its head may be empty).
    begins_text: [bool; 256],
    /// For each byte: some rest may begin with it.
    begins_rest: [bool; 256],
}

/// The heads whose rests begin with the same characters.
#[derive(Clone, Debug)]
struct Group {
    /// The distinct heads, reversed: run backwards from a place, they match where a head
    /// begins.
    reverse: DFA,
    /// For each head: its cuts' rests (run forwards from the place, they match when a pattern
    /// goes on from there), and for each of their patterns its index among the cuts.
    rests: Vec<(DFA, Vec<usize>)>,
    /// For each byte: the reverse DFA lives on after reading it first (a head can end with the
    /// character it ends), or a head may be empty.
    ends_head: [bool; 256],
    /// For each byte: a rest can begin with it (an ASCII character, or the first byte of a
    /// longer one in the rests' first class).
    begins_rest: [bool; 256],
    /// Some head may be empty.
    empty_head: bool,
}

/// The bytes numbers are written with: digits and the separators inside them.
pub(crate) const NUMBER_BYTES: &[u8] = b"0123456789 -+./";

/// Builds, in `cache`, the states of `dfa` that the bytes of `alphabet` reach from `from`
/// within `depth` bytes (at most `limit` states), and returns how many it reached.
///
/// A lazy DFA builds a state the first time a text leads to it, and on text dense with numbers
/// each new arrangement of digits and separators leads to a few: a fresh engine built them on
/// its first megabytes (about a third of its time on sparse prose). Built here, at engine
/// build, they cost once. Stops early when the cache would be cleared.
pub(crate) fn build_states(
    dfa: &DFA,
    cache: &mut Cache,
    from: LazyStateID,
    alphabet: &[u8],
    depth: usize,
    limit: usize,
) -> usize {
    let clears = cache.clear_count();
    let mut seen = std::collections::HashSet::from([from]);
    let mut frontier = vec![from];
    for _ in 0..depth {
        let mut next = Vec::new();
        for &state in &frontier {
            for &byte in alphabet {
                let Ok(to) = dfa.next_state(cache, state, byte) else {
                    return seen.len();
                };
                if cache.clear_count() != clears {
                    return seen.len();
                }
                if (!to.is_tagged() || to.is_match()) && seen.insert(to) {
                    if seen.len() >= limit {
                        return seen.len();
                    }
                    next.push(to);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    seen.len()
}

/// The caches of a [`DigitHeads`]' lazy DFAs.
#[derive(Debug)]
pub struct HeadCaches {
    /// For each group: its reverse DFA's cache and its rests'.
    groups: Vec<(Cache, Vec<Cache>)>,
    /// The heads found before one place: `(start, head)`.
    found: Vec<(usize, usize)>,
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

/// A lazy DFA of `hirs` (reversed when `reverse`), every pattern's matches reported.
fn compile(hirs: &[&Hir], reverse: bool, capacity: usize) -> Result<DFA, CompileError> {
    let nfa = thompson::Compiler::new()
        .configure(
            thompson::Config::new()
                .reverse(reverse)
                // A reverse NFA of the heads' Unicode classes (`\p{Lu}\p{Ll}*`) shares
                // the ends of their UTF-8 forms when shrunk: about a fifth of the states
                // (8,759 to 1,717 for the street heads), so each state the lazy DFA builds
                // on a text costs a fifth; one-off work at engine build.
                .shrink(reverse)
                .which_captures(thompson::WhichCaptures::None),
        )
        .build_many_from_hir(hirs)
        .map_err(regex_error)?;
    DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .cache_capacity(capacity),
        )
        .build_from_nfa(nfa)
        .map_err(regex_error)
}

impl Group {
    /// The group of `cuts` (whose rests begin with the same characters `firsts`).
    fn new(cuts: &[&Cut], firsts: &ClassUnicode, capacity: usize) -> Result<Self, CompileError> {
        let mut heads: Vec<&Hir> = Vec::new();
        let mut members: Vec<Vec<usize>> = Vec::new();
        for (index, cut) in cuts.iter().enumerate() {
            match heads.iter().position(|&head| *head == cut.head) {
                Some(head) => members[head].push(index),
                None => {
                    heads.push(&cut.head);
                    members.push(vec![index]);
                }
            }
        }
        let reverse = compile(&heads, true, capacity)?;
        let rests = members
            .into_iter()
            .map(|members| {
                let hirs: Vec<&Hir> = members.iter().map(|&index| &cuts[index].rest).collect();
                Ok((compile(&hirs, false, capacity)?, members))
            })
            .collect::<Result<Vec<_>, CompileError>>()?;
        let empty_head = heads
            .iter()
            .any(|head| head.properties().minimum_len() == Some(0));
        let mut ends_head = [empty_head; 256];
        let mut cache = reverse.create_cache();
        let begin = anchored_start(&reverse, &mut cache)?;
        for (byte, ends) in (0..=255u8).zip(ends_head.iter_mut()) {
            *ends |= reverse
                .next_state(&mut cache, begin, byte)
                .map_or(true, |state| !state.is_dead());
        }
        let mut begins_rest = [false; 256];
        for range in firsts.ranges() {
            // The first byte of a character's UTF-8 form grows with the character: a range's
            // characters begin with the bytes from its first's to its last's.
            let lead = |character: char| character.encode_utf8(&mut [0; 4]).as_bytes()[0];
            for byte in lead(range.start())..=lead(range.end()) {
                begins_rest[usize::from(byte)] = true;
            }
        }
        Ok(Group {
            reverse,
            rests,
            ends_head,
            begins_rest,
            empty_head,
        })
    }
}

impl DigitHeads {
    /// Compile `cuts` with the lazy DFAs' cache capacity `capacity`; the `i`-th cut is cut `i`
    /// of [`DigitHeads::starts_at`].
    pub fn new(cuts: &[Cut], capacity: usize) -> Result<Self, CompileError> {
        let mut classes: Vec<ClassUnicode> = Vec::new();
        let mut grouped: Vec<Vec<usize>> = Vec::new();
        for (index, cut) in cuts.iter().enumerate() {
            let (firsts, _) = first_characters(&cut.rest)
                .ok_or_else(|| CompileError::Regex("a byte class in a cut pattern".into()))?;
            match classes.iter().position(|class| *class == firsts) {
                Some(group) => grouped[group].push(index),
                None => {
                    classes.push(firsts);
                    grouped.push(vec![index]);
                }
            }
        }
        let mut groups = Vec::with_capacity(grouped.len());
        let mut pairs = Box::new([0u64; 1024]);
        let mut begins_text = [false; 256];
        let mut begins_rest = [false; 256];
        for (members, firsts) in grouped.iter().zip(&classes) {
            let group_cuts: Vec<&Cut> = members.iter().map(|&index| &cuts[index]).collect();
            let mut group = Group::new(&group_cuts, firsts, capacity)?;
            // The group's rests report cuts by their index within the group.
            for (_, rest_members) in &mut group.rests {
                for member in rest_members.iter_mut() {
                    *member = members[*member];
                }
            }
            for byte in 0..=255u8 {
                if !group.begins_rest[usize::from(byte)] {
                    continue;
                }
                begins_rest[usize::from(byte)] = true;
                begins_text[usize::from(byte)] |= group.empty_head;
                for before in 0..=255u8 {
                    if group.ends_head[usize::from(before)] {
                        let index = usize::from(before) << 8 | usize::from(byte);
                        pairs[index >> 6] |= 1 << (index & 63);
                    }
                }
            }
            groups.push(group);
        }
        Ok(DigitHeads {
            groups,
            pairs,
            begins_text,
            begins_rest,
        })
    }

    /// New caches for [`DigitHeads::starts_at`].
    pub fn create_caches(&self) -> HeadCaches {
        HeadCaches {
            groups: self
                .groups
                .iter()
                .map(|group| {
                    (
                        group.reverse.create_cache(),
                        group
                            .rests
                            .iter()
                            .map(|(dfa, _)| dfa.create_cache())
                            .collect(),
                    )
                })
                .collect(),
            found: Vec::new(),
        }
    }

    /// True when a cut pattern's rest may begin at a place (not the text's start) with `byte`
    /// after `before`. Every place [`DigitHeads::starts_at`] finds a start from passes this
    /// test.
    #[inline]
    pub fn may_begin_rest(&self, before: u8, byte: u8) -> bool {
        let index = usize::from(before) << 8 | usize::from(byte);
        self.pairs[index >> 6] >> (index & 63) & 1 != 0
    }

    /// True when a cut pattern's rest may begin the text with `byte` (its head is empty).
    pub fn may_begin_text(&self, byte: u8) -> bool {
        self.begins_text[usize::from(byte)]
    }

    /// True when a rest may begin with `byte`.
    pub fn may_begin_rest_with(&self, byte: u8) -> bool {
        self.begins_rest[usize::from(byte)]
    }

    /// Every `(start, cut)` such that the head of that cut matches `bytes[start..at]` and its
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
        let byte = bytes[at];
        let before = at.checked_sub(1).map(|before| bytes[before]);
        for (group, (reverse_cache, rest_caches)) in self.groups.iter().zip(&mut caches.groups) {
            let here = group.begins_rest[usize::from(byte)]
                && before.map_or(group.empty_head, |before| {
                    group.ends_head[usize::from(before)]
                });
            if here {
                group.starts_at(
                    bytes,
                    at,
                    reverse_cache,
                    rest_caches,
                    &mut caches.found,
                    steps,
                    &keep,
                    found,
                )?;
            }
        }
        found[first..].sort_unstable();
        let mut write = first;
        for index in first..found.len() {
            if write == first || found[write - 1] != found[index] {
                found[write] = found[index];
                write += 1;
            }
        }
        found.truncate(write);
        Some(())
    }
}

impl Group {
    #[allow(clippy::too_many_arguments)]
    fn starts_at(
        &self,
        bytes: &[u8],
        at: usize,
        cache: &mut Cache,
        rest_caches: &mut [Cache],
        heads: &mut Vec<(usize, usize)>,
        steps: &mut Steps<'_>,
        keep: &impl Fn(usize, usize) -> bool,
        found: &mut Vec<(usize, usize)>,
    ) -> Option<()> {
        heads.clear();
        let mut state = anchored_start(&self.reverse, cache).ok()?;
        let mut position = at;
        loop {
            state = match position.checked_sub(1) {
                Some(before) => self.reverse.next_state(cache, state, bytes[before]),
                None => self.reverse.next_eoi_state(cache, state),
            }
            .ok()?;
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
                    for index in 0..self.reverse.match_len(cache, state) {
                        let head = self.reverse.match_pattern(cache, state, index).as_usize();
                        heads.push((position, head));
                    }
                }
            }
            match position.checked_sub(1) {
                Some(before) => position = before,
                None => break,
            }
        }
        if heads.is_empty() {
            return Some(());
        }
        let mut walked: Option<(usize, Vec<usize>)> = None;
        heads.sort_unstable_by_key(|&(_, head)| head);
        for &(start, head) in heads.iter() {
            let (dfa, members) = &self.rests[head];
            if members.iter().all(|&cut| !keep(start, cut)) {
                continue;
            }
            if walked.as_ref().map_or(true, |(walked, _)| *walked != head) {
                let going_on = rests_from(dfa, bytes, at, &mut rest_caches[head], steps)?;
                walked = Some((head, going_on));
            }
            let Some((_, going_on)) = &walked else {
                continue;
            };
            for &pattern in going_on {
                let cut = members[pattern];
                if keep(start, cut) {
                    found.push((start, cut));
                }
            }
        }
        Some(())
    }
}

/// The patterns of `dfa` (one head's rests) that match from `at`.
fn rests_from(
    dfa: &DFA,
    bytes: &[u8],
    at: usize,
    cache: &mut Cache,
    steps: &mut Steps<'_>,
) -> Option<Vec<usize>> {
    let mut matched = Vec::new();
    let collect = |cache: &Cache, state: LazyStateID, matched: &mut Vec<usize>| {
        for index in 0..dfa.match_len(cache, state) {
            matched.push(dfa.match_pattern(cache, state, index).as_usize());
        }
    };
    let mut state = anchored_start(dfa, cache).ok()?;
    for &byte in &bytes[at..] {
        state = dfa.next_state(cache, state, byte).ok()?;
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
    state = dfa.next_eoi_state(cache, state).ok()?;
    if state.is_match() {
        collect(cache, state, &mut matched);
    }
    Some(matched)
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
        let cut = cut_before_rest(street).expect("cut");
        assert!(cut.head.properties().minimum_len() > Some(0));
        // A head that may hold a digit, a rest that may begin with a letter or white space,
        // a top level that is not a concatenation, an assertion in the head: no cut.
        for form in [
            r"[A-Z0-9]{3}\s\d{2}",
            r"Box\s+[\dA]",
            r"Box\s+\d|\d{4}",
            r"\bBox\s+\d",
        ] {
            assert!(cut_before_rest(form).is_none(), "{form}");
        }
        assert!(cut_before_rest(r"(?i)född:?\s*\d{6}").is_some());
        // A head may be empty (an IPv6 address may begin with `::`); the rest begins with a
        // character the head never holds.
        let hex = cut_before_rest(r"[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}").expect("cut");
        assert_eq!(hex.head.properties().minimum_len(), Some(0));
        assert!(cut_before_rest(r"\d{4}-\d{4}").is_some());
    }

    #[test]
    fn every_start_of_a_street_before_its_number() {
        let forms = [
            r"(?:c/o\s+\p{Lu}\p{Ll}+,\s*)?(?:(?:Stora)\s+)?\p{Lu}\p{Ll}*gatan\s+\d{1,5}",
            r"Box\s+\d{1,5}[A-H]",
        ];
        let cuts: Vec<Cut> = forms
            .iter()
            .map(|form| cut_before_rest(form).expect("cut"))
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
