//! One pass over the text for the starts of many recognizers' matches.
//!
//! Searching each recognizer's patterns on its own costs a pass of the text (or of the
//! windows around its candidates) per recognizer, and on text dense with numbers those
//! windows cover most of it: sixteen recognizers meant about sixteen passes, each with a
//! reverse search to find where a match starts. Here the patterns of every member recognizer
//! are compiled together into one lazy DFA, **anchored** (it answers "which patterns match
//! starting here?") with every pattern's matches reported (`MatchKind::All`). The text is read
//! once: at each position whose byte can begin some pattern the DFA runs forward until it
//! dies (a few bytes in ordinary text, to the end of a number in a run of digits), and the
//! patterns that reached a match are kept where the character before the position allows
//! them (the pattern's `not_after` boundary). Which positions those are is read from two bit
//! tables over byte pairs, without branches: may a pattern begin with this byte after the
//! byte before, and does the DFA live on after the byte after (`de` and `av` begin no IPv6
//! group and no label, so ordinary words cost no walk).
//!
//! An unanchored multi-pattern DFA would read each byte once, but it must track every
//! pattern's progress from every earlier position at the same time; with the catalogue's
//! counted repetitions (`\d{1,7}`, `{12,18}`) its states multiply and a megabyte took seconds.
//! Restarting the anchored DFA at each candidate position keeps its states those of one
//! match at a time.
//!
//! What the pass yields is where each pattern can match, not the match Python's leftmost-first
//! alternation chooses: the caller confirms a start with the recognizer's own compiled pattern
//! ([`crate::matcher::RecognizerMatcher::match_at`]), which also finds the `value` group and
//! where a match ends. Only starts that the DFA reports are confirmed, so the costly capturing
//! search runs about once per real match.
//!
//! A pattern whose matches are a head without digits and a rest from their first digit on (a
//! street line: `Stora Nygatan 5`, `Box 12`; a label: `född 1985…`) is not walked from every
//! place it may begin (every capitalised word, for a street) but found backwards from its first
//! digit ([`crate::digit_heads`]), which reports the same starts.
//!
//! A recognizer joins the pass when its patterns compile into a lazy DFA and use no
//! assertion that looks behind a position (`^`, `\b`, `\A` inside the pattern): the DFA starts
//! at each position without knowing what precedes it. The caller chooses which recognizers
//! are worth it (those whose matches start with a digit or a capital letter, not every word).

use std::sync::Mutex;

use regex_automata::hybrid::dfa::{Cache, DFA};
use regex_automata::hybrid::LazyStateID;
use regex_automata::nfa::thompson;
use regex_automata::util::look::Look;
use regex_automata::util::start;
use regex_automata::{Anchored, MatchKind, PatternID};

use crate::digit_heads::{cut_before_rest, Cut, DigitHeads, HeadCaches, Steps};
use crate::matcher::{tail, CharClass, CompileError, PatternSpec};

/// The lazy DFA's cache may grow to this many bytes before it starts over: the states the
/// catalogue's patterns need on a megabyte of dense text fit in a fraction of it.
const CACHE_CAPACITY: usize = 16 << 20;

/// How many bytes into a number, and how many states, a new pass builds ahead (a few
/// megabytes of cache, tens of milliseconds once per engine).
const STATES_DEPTH: usize = 20;
const STATES_LIMIT: usize = 4096;

/// Where a pattern of a member recognizer can match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Start {
    /// Byte offset of the match's start.
    pub at: usize,
    /// Index of the recognizer in the order given to [`OnePass::new`]'s `recognizers`.
    pub recognizer: usize,
    /// Index of the pattern within the recognizer.
    pub pattern: usize,
}

/// The most DFA steps per byte of text a pass takes before it gives up (the catalogue's take
/// about one on text dense with numbers).
const STEPS_PER_BYTE_BUDGET: usize = 32;

/// Lazy DFA caches for concurrent callers: one is taken for a pass and given back after.
#[derive(Debug, Default)]
struct CachePool(Mutex<Vec<Caches>>);

/// The caches of one pass's lazy DFAs, and the buffers a pass fills (kept with them, so a
/// pass over a short text allocates nothing).
#[derive(Debug)]
struct Caches {
    forward: Cache,
    heads: Option<HeadCaches>,
    matched: Vec<usize>,
    cut_starts: Vec<(usize, usize)>,
    walked: Vec<Start>,
}

/// A pass's caches taken out of its pool for many texts ([`OnePass::take_caches`]): the
/// cells of a batch take them once, not once per cell. Give them back with
/// [`OnePass::give_back`].
#[derive(Debug)]
pub struct PassCaches(Caches);

impl Clone for CachePool {
    fn clone(&self) -> Self {
        CachePool::default()
    }
}

/// The member recognizers' patterns compiled together (see the module documentation).
#[derive(Clone, Debug)]
pub struct OnePass {
    /// The patterns walked forwards from where they may begin.
    dfa: DFA,
    /// For each pattern of `dfa`: its index among all the member patterns.
    forward: Vec<usize>,
    /// The patterns found backwards from their first digit, if any.
    heads: Option<DigitHeads>,
    /// For each cut pattern of `heads`: its index among all the member patterns.
    cut: Vec<usize>,
    /// For each member pattern: its recognizer and its index there.
    owners: Vec<(usize, usize)>,
    /// For each member pattern: the boundary before it, if any.
    not_after: Vec<Option<CharClass>>,
    /// Bit `(before, byte)`: some pattern can begin with `byte` after the byte `before` (its
    /// boundary allows that character; a byte above ASCII, the end of a longer character,
    /// allows every pattern here and is judged per pattern after the walk).
    begins_after: PairBits,
    /// The bytes some pattern can begin with at the start of the text.
    begins_text: [bool; 256],
    /// No pattern (walked or cut) can begin, nor a rest begin, at an ASCII lower-case letter
    /// or a space: the bytes of ordinary words are passed over eight at a time.
    skips_words: bool,
    /// Bit `(byte, next)`: the DFA started at `byte` is still alive after `next`. Ordinary
    /// words beginning with a byte a label or a hexadecimal group can begin with (`de`, `av`,
    /// `för`) are ruled out here, without a walk.
    lives_on: PairBits,
    caches: CachePool,
}

/// The DFA's form of one pattern: the pattern and its tail (the boundary after it), with the
/// recognizer's case flag.
fn dfa_pattern(pattern: &PatternSpec, ignore_case: bool) -> Result<String, CompileError> {
    let flags = if ignore_case { "(?i)" } else { "" };
    Ok(format!(
        "{flags}(?:{}){}",
        pattern.regex,
        tail(&pattern.not_before)?
    ))
}

fn regex_error(error: impl std::fmt::Display) -> CompileError {
    CompileError::Regex(error.to_string())
}

fn build(patterns: &[String]) -> Result<DFA, CompileError> {
    DFA::builder()
        .configure(
            DFA::config()
                .match_kind(MatchKind::All)
                .starts_for_each_pattern(true)
                .cache_capacity(CACHE_CAPACITY),
        )
        .thompson(thompson::Config::new().shrink(true))
        .build_many(patterns)
        .map_err(|error| CompileError::Regex(error.to_string()))
}

impl OnePass {
    /// True when `patterns` (one recognizer's, with its case flag) can join a pass: they
    /// compile into a lazy DFA and assert nothing about what precedes a position.
    pub fn accepts(patterns: &[PatternSpec], ignore_case: bool) -> bool {
        let Ok(forms) = patterns
            .iter()
            .map(|pattern| dfa_pattern(pattern, ignore_case))
            .collect::<Result<Vec<_>, _>>()
        else {
            return false;
        };
        let Ok(dfa) = build(&forms) else {
            return false;
        };
        let looks = dfa.get_nfa().look_set_any();
        looks.remove(Look::End).is_empty()
    }

    /// Compile the patterns of `recognizers` (each `(patterns, ignore_case)`, all accepted
    /// by [`OnePass::accepts`]) into one pass; [`Start::recognizer`] indexes this slice.
    pub fn new(recognizers: &[(&[PatternSpec], bool)]) -> Result<Self, CompileError> {
        Self::build(recognizers, true)
    }

    /// [`OnePass::new`] with every pattern walked forwards from where it may begin, none found
    /// from where its rest begins: what a pass over a few windows wants (cutting pays off over
    /// whole texts), and what the cost of a recognizer walked forwards is measured on.
    pub fn walked_forwards(recognizers: &[(&[PatternSpec], bool)]) -> Result<Self, CompileError> {
        Self::build(recognizers, false)
    }

    /// [`OnePass::new`]; with `cut` false, every pattern is walked forwards.
    fn build(recognizers: &[(&[PatternSpec], bool)], cut: bool) -> Result<Self, CompileError> {
        let mut forms = Vec::new();
        let mut forward = Vec::new();
        let mut cuts: Vec<Cut> = Vec::new();
        let mut cut_members = Vec::new();
        let mut owners = Vec::new();
        let mut not_after = Vec::new();
        for (recognizer, (patterns, ignore_case)) in recognizers.iter().enumerate() {
            for (index, pattern) in patterns.iter().enumerate() {
                let form = dfa_pattern(pattern, *ignore_case)?;
                let found = cut
                    .then(|| cut_before_rest(&form))
                    .flatten()
                    .filter(|_| begins_at_words(&form));
                match found {
                    Some(found) => {
                        cut_members.push(owners.len());
                        cuts.push(found);
                    }
                    None => {
                        forward.push(owners.len());
                        forms.push(form);
                    }
                }
                owners.push((recognizer, index));
                not_after.push(
                    pattern
                        .not_after
                        .as_deref()
                        .map(CharClass::new)
                        .transpose()?,
                );
            }
        }
        let dfa = build(&forms)?;
        let heads = if cuts.is_empty() {
            None
        } else {
            Some(DigitHeads::new(&cuts, CACHE_CAPACITY)?)
        };
        let mut cache = dfa.create_cache();
        // The bytes each pattern can begin with, from its own anchored start state.
        let mut firsts = Vec::with_capacity(forms.len());
        for pattern in 0..forms.len() {
            let id =
                PatternID::new(pattern).map_err(|error| CompileError::Regex(error.to_string()))?;
            let config = start::Config::new().anchored(Anchored::Pattern(id));
            let begin = dfa.start_state(&mut cache, &config).map_err(regex_error)?;
            let mut first = [false; 256];
            for (byte, can_begin) in first.iter_mut().enumerate() {
                let byte = u8::try_from(byte).unwrap_or(0);
                *can_begin = !dfa
                    .next_state(&mut cache, begin, byte)
                    .map_err(regex_error)?
                    .is_dead();
            }
            firsts.push(first);
        }
        // Row 128: any character before (or none), every pattern allowed.
        let mut rows = vec![[false; 256]; 129];
        for (pattern, first) in firsts.iter().enumerate() {
            for (byte, _) in first.iter().enumerate().filter(|(_, &can_begin)| can_begin) {
                rows[128][byte] = true;
                for (before, row) in rows[..128].iter_mut().enumerate() {
                    let before = char::from(u8::try_from(before).unwrap_or(0));
                    if not_after[forward[pattern]]
                        .as_ref()
                        .map_or(true, |class: &CharClass| !class.contains(before))
                    {
                        row[byte] = true;
                    }
                }
            }
        }
        let mut begins_after = PairBits::default();
        for before in 0..=255u8 {
            let row = &rows[usize::from(before.min(128))];
            for byte in 0..=255u8 {
                begins_after.set(before, byte, row[usize::from(byte)]);
            }
        }
        let begins_text = rows[128];
        let lives_on = lives_on(&dfa, &mut cache, &begins_text)?;
        let skips_words = (b'a'..=b'z').chain([b' ']).all(|byte| {
            !begins_text[usize::from(byte)]
                && heads
                    .as_ref()
                    .map_or(true, |heads| !heads.may_begin_rest_with(byte))
        });
        let pass = OnePass {
            dfa,
            forward,
            heads,
            cut: cut_members,
            owners,
            not_after,
            begins_after,
            begins_text,
            skips_words,
            lives_on,
            caches: CachePool::default(),
        };
        let mut caches = Caches {
            forward: cache,
            heads: pass.heads.as_ref().map(DigitHeads::create_caches),
            matched: Vec::new(),
            cut_starts: Vec::new(),
            walked: Vec::new(),
        };
        // The lazy DFAs build their states as texts need them; the states of ordinary prose
        // and of the usual shapes of numbers are built here, once per engine, instead of on
        // the first texts it reads.
        let mut found = Vec::new();
        for sample in [PROSE, SHAPES] {
            found.clear();
            pass.scan(
                sample,
                &[(0, sample.len())],
                &mut caches,
                &mut 0,
                &mut found,
            );
        }
        // And the states numbers of any digits lead to (crate::digit_heads::build_states).
        if cut && !pass.forward.is_empty() {
            if let Ok(start) = begin(&pass.dfa, &mut caches.forward) {
                crate::digit_heads::build_states(
                    &pass.dfa,
                    &mut caches.forward,
                    start,
                    crate::digit_heads::NUMBER_BYTES,
                    STATES_DEPTH,
                    STATES_LIMIT,
                );
            }
        }

        if let Ok(mut pool) = pass.caches.0.lock() {
            pool.push(caches);
        }
        Ok(pass)
    }

    /// How many DFA steps the pass takes per byte of ordinary prose (a paragraph kept in this
    /// module): at most 0.2 for the catalogue's recognizers, whose matches begin with a digit,
    /// a capital letter or a label; about 1.2 for a pattern that may begin at any word and run
    /// through it (an e-mail address's local part), which is better searched around its
    /// anchors.
    pub fn steps_per_byte_of_prose(&self) -> f64 {
        self.steps_per_byte(PROSE)
    }

    /// How many DFA steps the pass takes per byte of `text` (what a text costs it).
    pub fn steps_per_byte(&self, text: &str) -> f64 {
        let mut caches = self.create_caches();
        let mut steps = 0;
        match self.scan(
            text,
            &[(0, text.len())],
            &mut caches,
            &mut steps,
            &mut Vec::new(),
        ) {
            Some(_) => steps as f64 / text.len().max(1) as f64,
            None => f64::INFINITY,
        }
    }

    /// A pass with no member.
    pub fn empty() -> Self {
        OnePass::new(&[]).expect("a pass of no patterns compiles")
    }

    /// True when no pattern is compiled.
    pub fn is_empty(&self) -> bool {
        self.owners.is_empty()
    }

    /// Every place in `text` where a member pattern matches and its boundary before holds,
    /// ordered by offset and, at one offset, by recognizer and pattern. `None` when the lazy
    /// DFA gave up (its cache thrashed), so the caller searches another way.
    pub fn starts(&self, text: &str) -> Option<Vec<Start>> {
        self.starts_within(text, &[(0, text.len())])
    }

    /// [`Self::starts`] at offsets within `ranges` only (ascending, not overlapping, byte
    /// offsets at character boundaries); a match may run past its range's end.
    pub fn starts_within(&self, text: &str, ranges: &[(usize, usize)]) -> Option<Vec<Start>> {
        if self.is_empty() {
            return Some(Vec::new());
        }
        let mut caches = self.take_caches();
        let mut found = Vec::new();
        let scanned = self.starts_using(text, ranges, &mut caches, &mut found);
        self.give_back(caches);
        scanned.then_some(found)
    }

    /// This pass's caches, out of its pool (new ones when the pool is empty), for
    /// [`Self::starts_using`] over many texts.
    pub fn take_caches(&self) -> PassCaches {
        PassCaches(
            self.caches
                .0
                .lock()
                .ok()
                .and_then(|mut pool| pool.pop())
                .unwrap_or_else(|| self.create_caches()),
        )
    }

    /// Puts caches taken with [`Self::take_caches`] back into the pool.
    pub fn give_back(&self, caches: PassCaches) {
        if let Ok(mut pool) = self.caches.0.lock() {
            pool.push(caches.0);
        }
    }

    /// [`Self::starts_within`] with caches the caller holds, into `found` (cleared first).
    /// False when the lazy DFA gave up.
    pub fn starts_using(
        &self,
        text: &str,
        ranges: &[(usize, usize)],
        caches: &mut PassCaches,
        found: &mut Vec<Start>,
    ) -> bool {
        found.clear();
        if self.is_empty() {
            return true;
        }
        self.scan(text, ranges, &mut caches.0, &mut 0, found)
            .is_some()
    }

    fn create_caches(&self) -> Caches {
        Caches {
            forward: self.dfa.create_cache(),
            heads: self.heads.as_ref().map(DigitHeads::create_caches),
            matched: Vec::new(),
            cut_starts: Vec::new(),
            walked: Vec::new(),
        }
    }

    /// The starts in `text` within `ranges`, into `starts` (empty when called).
    fn scan(
        &self,
        text: &str,
        ranges: &[(usize, usize)],
        caches: &mut Caches,
        steps: &mut usize,
        starts: &mut Vec<Start>,
    ) -> Option<()> {
        let cache = &mut caches.forward;
        let begin = begin(&self.dfa, cache).ok()?;
        let bytes = text.as_bytes();
        // The DFA restarts at every candidate position, so a pattern that can run on and on
        // (`(\d|\d\d)+$` over a long run of digits) would make the pass quadratic. Past
        // this many steps it gives up, and the caller searches each recognizer on its own
        // (linear): the pass stays linear in the text whatever the patterns.
        let budget = STEPS_PER_BYTE_BUDGET * bytes.len() + 4096;
        let matched = &mut caches.matched;
        matched.clear();
        // The starts of cut patterns, found from their digits (ordered by offset, then
        // pattern: a start found from a digit lies after every digit before it).
        let cut_starts = &mut caches.cut_starts;
        cut_starts.clear();
        let mut cut_walks = CutWalks { done: 0 };
        for &(low, high) in ranges {
            let high = high.min(bytes.len());
            // A cut pattern starting before `high` may have its rest begin anywhere after:
            // its starts are found from the places up to the text's end (once, for the first
            // range).
            let digits_to = match &self.heads {
                Some(_) => bytes.len(),
                None => high,
            };
            let mut block = low;
            while block < digits_to {
                let end = (block + 64).min(digits_to);
                let (mut candidates, mut digits) = self.candidates(bytes, block, end);
                if end > high {
                    candidates &= low_bits(high.saturating_sub(block));
                }
                if let (Some(heads), Some(head_caches)) = (&self.heads, &mut caches.heads) {
                    // Digits already read for an earlier range are not read again.
                    digits &= !low_bits(cut_walks.done.saturating_sub(block));
                    let mut cut_steps = Steps {
                        taken: steps,
                        budget,
                    };
                    while digits != 0 {
                        let at = block + digits.trailing_zeros() as usize;
                        digits &= digits - 1;
                        heads.starts_at(
                            bytes,
                            at,
                            head_caches,
                            &mut cut_steps,
                            |start, cut| self.cut_start_allowed(text, ranges, start, cut),
                            cut_starts,
                        )?;
                    }
                }
                while candidates != 0 {
                    let at = block + candidates.trailing_zeros() as usize;
                    candidates &= candidates - 1;
                    // The byte can begin a pattern, so `at` is where a character begins (a
                    // UTF-8 continuation byte begins none).
                    matched.clear();
                    self.walk(bytes, at, begin, cache, matched, steps, budget)?;
                    if matched.is_empty() {
                        continue;
                    }
                    matched.sort_unstable();
                    matched.dedup();
                    let before = text[..at].chars().next_back();
                    for &pattern in matched.iter() {
                        let allowed = match (&self.not_after[self.forward[pattern]], before) {
                            (Some(not_after), Some(before)) => !not_after.contains(before),
                            _ => true,
                        };
                        if allowed {
                            let (recognizer, pattern) = self.owners[self.forward[pattern]];
                            starts.push(Start {
                                at,
                                recognizer,
                                pattern,
                            });
                        }
                    }
                }
                block = end;
            }
            cut_walks.done = cut_walks.done.max(digits_to);
        }
        if cut_starts.is_empty() {
            return Some(());
        }
        // Starts found from a later place lie after those found from an earlier one, unless a
        // head runs over the place where another pattern's rest begins.
        cut_starts.sort_unstable();
        cut_starts.dedup();
        // Both lists are ordered by offset, then recognizer and pattern: merged, so is the
        // whole.
        let cut_starts = cut_starts.iter().map(|&(at, cut)| {
            let (recognizer, pattern) = self.owners[self.cut[cut]];
            Start {
                at,
                recognizer,
                pattern,
            }
        });
        let key = |start: &Start| (start.at, start.recognizer, start.pattern);
        let walked_starts = &mut caches.walked;
        walked_starts.clear();
        walked_starts.append(starts);
        let mut walked = walked_starts.iter().copied().peekable();
        for start in cut_starts {
            while let Some(earlier) = walked.next_if(|walked| key(walked) < key(&start)) {
                starts.push(earlier);
            }
            starts.push(start);
        }
        starts.extend(walked);
        Some(())
    }

    /// True when the cut pattern `cut` may start at `start`: within a range, and its boundary
    /// allows the character before.
    fn cut_start_allowed(
        &self,
        text: &str,
        ranges: &[(usize, usize)],
        start: usize,
        cut: usize,
    ) -> bool {
        let range = ranges.partition_point(|&(_, high)| high <= start);
        let within = ranges
            .get(range)
            .is_some_and(|&(low, high)| low <= start && start < high);
        within
            && match (
                &self.not_after[self.cut[cut]],
                text[..start].chars().next_back(),
            ) {
                (Some(not_after), Some(before)) => !not_after.contains(before),
                _ => true,
            }
    }

    /// Bit `i` of the first word is set when the DFA is worth starting at `from + i`
    /// (`from..to` spans at most 64 bytes): some pattern can begin with that byte after the
    /// byte before, and the DFA is still alive after the byte after. Bit `i` of the second is
    /// set when a cut pattern's rest may begin there ([`DigitHeads::may_begin_rest`]). Every
    /// byte is looked at in a loop without branches; the DFAs then run only at the few
    /// positions left.
    fn candidates(&self, bytes: &[u8], from: usize, to: usize) -> (u64, u64) {
        if self.skips_words {
            return self.candidates_among(bytes, from, not_words(&bytes[from..to]));
        }
        let mut bits = 0u64;
        let mut digits = 0u64;
        // Positions with a byte before and a byte after; the text's first and last apart.
        let inner_from = from.max(1);
        let inner_to = to.min(bytes.len().saturating_sub(1));
        if inner_from < inner_to {
            let around = &bytes[inner_from - 1..=inner_to];
            match &self.heads {
                Some(heads) => {
                    for (offset, window) in around.windows(3).enumerate() {
                        let worth = self.begins_after.get(window[0], window[1])
                            & self.lives_on.get(window[1], window[2]);
                        let digit = heads.may_begin_rest(window[0], window[1]);
                        bits |= u64::from(worth) << (inner_from - from + offset);
                        digits |= u64::from(digit) << (inner_from - from + offset);
                    }
                }
                None => {
                    for (offset, window) in around.windows(3).enumerate() {
                        let worth = self.begins_after.get(window[0], window[1])
                            & self.lives_on.get(window[1], window[2]);
                        bits |= u64::from(worth) << (inner_from - from + offset);
                    }
                }
            }
        }
        for at in [from, to - 1] {
            if at == 0 || at + 1 == bytes.len() {
                let byte = bytes[at];
                let begins = match at.checked_sub(1) {
                    Some(before) => self.begins_after.get(bytes[before], byte),
                    None => self.begins_text[usize::from(byte)],
                };
                let lives = bytes
                    .get(at + 1)
                    .map_or(true, |&next| self.lives_on.get(byte, next));
                bits |= u64::from(begins & lives) << (at - from);
                let digit = match (&self.heads, at.checked_sub(1)) {
                    (Some(heads), Some(before)) => heads.may_begin_rest(bytes[before], byte),
                    (Some(heads), None) => heads.may_begin_text(byte),
                    _ => false,
                };
                digits |= u64::from(digit) << (at - from);
            }
        }
        (bits, digits)
    }

    /// [`Self::candidates`] at the positions `from + i` for each bit `i` of `positions` (the
    /// others are known to be no candidates).
    fn candidates_among(&self, bytes: &[u8], from: usize, mut positions: u64) -> (u64, u64) {
        let mut bits = 0u64;
        let mut digits = 0u64;
        while positions != 0 {
            let offset = positions.trailing_zeros();
            positions &= positions - 1;
            let at = from + offset as usize;
            let byte = bytes[at];
            let (begins, digit) = match (at.checked_sub(1), &self.heads) {
                (Some(before), heads) => (
                    self.begins_after.get(bytes[before], byte),
                    heads
                        .as_ref()
                        .is_some_and(|heads| heads.may_begin_rest(bytes[before], byte)),
                ),
                (None, heads) => (
                    self.begins_text[usize::from(byte)],
                    heads
                        .as_ref()
                        .is_some_and(|heads| heads.may_begin_text(byte)),
                ),
            };
            let lives = bytes
                .get(at + 1)
                .map_or(true, |&next| self.lives_on.get(byte, next));
            bits |= u64::from(begins & lives) << offset;
            digits |= u64::from(digit) << offset;
        }
        (bits, digits)
    }

    /// Runs the anchored DFA from `at` until it dies or the text ends, collecting the
    /// patterns that reached a match. `None` once `steps` passes `budget`.
    #[allow(clippy::too_many_arguments)]
    fn walk(
        &self,
        bytes: &[u8],
        at: usize,
        begin: LazyStateID,
        cache: &mut Cache,
        matched: &mut Vec<usize>,
        steps: &mut usize,
        budget: usize,
    ) -> Option<()> {
        let mut state = begin;
        // Steps left before the budget runs out, counted down here and added up once.
        let left = budget.saturating_sub(*steps);
        for (taken, &byte) in bytes[at..].iter().enumerate() {
            state = self.dfa.next_state(cache, state, byte).ok()?;
            if taken >= left {
                *steps = budget + 1;
                return None;
            }
            if state.is_tagged() {
                if state.is_dead() || state.is_quit() {
                    *steps += taken + 1;
                    return Some(());
                }
                if state.is_match() {
                    self.collect(cache, state, matched);
                }
            }
        }
        *steps += bytes.len() - at;
        state = self.dfa.next_eoi_state(cache, state).ok()?;
        if state.is_match() {
            self.collect(cache, state, matched);
        }
        Some(())
    }

    fn collect(&self, cache: &Cache, state: LazyStateID, matched: &mut Vec<usize>) {
        for index in 0..self.dfa.match_len(cache, state) {
            matched.push(self.dfa.match_pattern(cache, state, index).as_usize());
        }
    }
}

/// True when `form` may begin at a word of prose: with an ASCII lower-case letter, or with a
/// capital followed by one (a street line at every capitalised word, a label at every word
/// that begins like it). Such a pattern is found from where its rest begins instead, when it
/// can be cut there; the others begin with what prose seldom holds (a digit, `SE`, three
/// capitals) and are cheaper walked.
fn begins_at_words(form: &str) -> bool {
    let Ok(dfa) = build(&[form.to_owned()]) else {
        return true;
    };
    let mut cache = dfa.create_cache();
    let Ok(start) = begin(&dfa, &mut cache) else {
        return true;
    };
    let mut alive = |state: LazyStateID, byte: u8| {
        dfa.next_state(&mut cache, state, byte)
            .map_or(Err(()), |next| Ok((!next.is_dead()).then_some(next)))
    };
    for first in (b'a'..=b'z').chain(b'A'..=b'Z') {
        let Ok(after) = alive(start, first) else {
            return true;
        };
        let Some(after) = after else {
            continue;
        };
        if first.is_ascii_lowercase() {
            return true;
        }
        for second in b'a'..=b'z' {
            if !matches!(alive(after, second), Ok(None)) {
                return true;
            }
        }
    }
    false
}

/// Bit `i` is set unless `bytes[i]` (at most 64 bytes) is an ASCII lower-case letter or a
/// space, found eight bytes at a time with arithmetic on a `u64` (no byte's sum carries into
/// the next).
fn not_words(bytes: &[u8]) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut found = 0u64;
    for (index, chunk) in bytes.chunks(8).enumerate() {
        // A short last chunk is filled with letters, which are not reported.
        let mut eight = [b'a'; 8];
        eight[..chunk.len()].copy_from_slice(chunk);
        let word = u64::from_le_bytes(eight);
        let ascii = !word & HIGH;
        let low = word & !HIGH;
        // The high bit of each byte: at least `a`, past `z`, not a space.
        let from_a = (low + ONES * (0x80 - u64::from(b'a'))) & HIGH;
        let past_z = (low + ONES * (0x80 - u64::from(b'z') - 1)) & HIGH;
        let not_space = ((low ^ (ONES * u64::from(b' '))) + ONES * 0x7f) & HIGH;
        let words = ascii & ((from_a & !past_z) | !not_space);
        let others = !words & HIGH;
        // The eight high bits gathered into the lowest byte, in order.
        let gathered = ((others >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        found |= gathered << (8 * index);
    }
    found
}

/// The mask of the `count` lowest bits (all 64 from 64 on).
fn low_bits(count: usize) -> u64 {
    match count {
        0 => 0,
        1..=63 => (1u64 << count) - 1,
        _ => u64::MAX,
    }
}

/// Where a pass has read the places for its cut patterns: up to `done`.
struct CutWalks {
    done: usize,
}

/// One bit per ordered pair of bytes (8 KB, so the table stays in the processor's cache).
#[derive(Clone, Debug)]
struct PairBits(Box<[u64; 1024]>);

impl Default for PairBits {
    fn default() -> Self {
        PairBits(Box::new([0; 1024]))
    }
}

impl PairBits {
    fn index(first: u8, second: u8) -> usize {
        usize::from(first) << 8 | usize::from(second)
    }

    fn set(&mut self, first: u8, second: u8, value: bool) {
        let index = Self::index(first, second);
        let bit = 1u64 << (index & 63);
        if value {
            self.0[index >> 6] |= bit;
        } else {
            self.0[index >> 6] &= !bit;
        }
    }

    #[inline]
    fn get(&self, first: u8, second: u8) -> bool {
        let index = Self::index(first, second);
        self.0[index >> 6] >> (index & 63) & 1 != 0
    }
}

/// Which pairs of bytes leave the anchored DFA alive when it starts at the first (of those
/// in `can_begin`). A pair the DFA cannot decide (its cache gave up), and any pair after a
/// first byte that already ends a match, counts as alive: the filter only ever spares walks
/// that would die.
fn lives_on(
    dfa: &DFA,
    cache: &mut Cache,
    can_begin: &[bool; 256],
) -> Result<PairBits, CompileError> {
    let start = begin(dfa, cache)?;
    let mut bits = PairBits::default();
    for byte in (0..=255u8).filter(|&byte| can_begin[usize::from(byte)]) {
        let after = dfa.next_state(cache, start, byte).ok();
        let undecided = after.map_or(true, |state| state.is_match() || state.is_quit());
        for next in 0..=255u8 {
            let alive = match after {
                _ if undecided => true,
                Some(state) => dfa
                    .next_state(cache, state, next)
                    .map_or(true, |state| !state.is_dead()),
                None => true,
            };
            bits.set(byte, next, alive);
        }
    }
    Ok(bits)
}

/// Ordinary Swedish and English prose with no identifier in it, to measure what a pattern
/// costs the pass ([`OnePass::steps_per_byte_of_prose`]).
const PROSE: &str = "Kommunen har tagit emot er ansökan och beslutet skickas inom tre veckor. \
Mötet i Västerås flyttades till torsdag efter lunch, och protokollet från förra året finns \
på intranätet. Vi återkommer när handläggaren har gått igenom underlagen; frågor om ärendet \
besvaras av kundtjänst på vardagar. Please find the minutes of the last meeting attached, \
and let us know before Friday whether the proposed changes to the schedule work for you. \
Årets budget godkändes av styrelsen, men satsningen på skolans lokaler skjuts upp. \
Ärendet avslutas härmed. Med vänliga hälsningar, Förvaltningen för utbildning och kultur.";

/// Numbers in the shapes identifiers, dates, amounts and phone numbers are written in (made-up
/// digits, a made-up address and e-mail address), to build the lazy DFAs' usual states when a
/// pass and an engine are built.
pub(crate) const SHAPES: &str =
    "1234567890 123456-7890 12345678-9012 123456+7890 1234 5678 9012 3456 \
12-345 67 89 012-345 67 89 +12 34 567 89 01 0012 345 678 90 (012) 345 67 89 1234-5678 \
12 34 56-7 1234-5, 678 901 234-5 AB12 3456 7890 1234 5678 90 12.34.56.78 12:34::56 \
2024-01-31 31.01.2024 31/1/2024 1 januari 2024 ABC 123 ABC12D A1B2C3D4E 123 45 Ort \
Storgatan 12 B, 123 45 Stad; c/o Namn; Född: 1990-01-01; clearing 1234-5, konto 123 456 789. \
Belopp 1 234,50 kr, 12 %, nr 12345, 98765432, 1234567890123, 12345678901234567890. \
E-post: fornamn.efternamn@example.se, tel. 012-345 67 89.";

/// The anchored start state (no pattern looks behind, so one serves every position).
fn begin(dfa: &DFA, cache: &mut Cache) -> Result<LazyStateID, CompileError> {
    dfa.start_state(cache, &start::Config::new().anchored(Anchored::Yes))
        .map_err(|error| CompileError::Regex(error.to_string()))
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

    #[test]
    fn starts_of_every_member_with_boundaries() {
        let digits = [spec(r"\d{4}", Some(r"\d"), &[&[r"\d"]])];
        let plates = [spec(r"[A-Z]{3}\d{3}", Some(r"\p{L}"), &[])];
        let pass = OnePass::new(&[(&digits, false), (&plates, false)]).expect("compiles");
        let starts = pass
            .starts("år 2024 och ABC123, xABC123, 12345")
            .expect("scans");
        let found: Vec<(usize, usize)> = starts
            .iter()
            .map(|start| (start.at, start.recognizer))
            .collect();
        // Byte offsets: "2024" (after a space), "ABC123" (after a space); not "xABC123" (after a letter),
        // nor inside "12345" (five digits: the tail refuses a digit after four).
        assert_eq!(found, [(4, 0), (13, 1)]);
    }

    #[test]
    fn a_pattern_that_runs_on_makes_the_pass_give_up_not_go_quadratic() {
        let runs_on = [spec(r"(\d|\d\d)+$", None, &[])];
        let pass = OnePass::new(&[(&runs_on, false)]).expect("compiles");
        assert!(pass.starts(&"1".repeat(100_000)).is_none());
        assert_eq!(pass.starts("pnr 1234").expect("short").len(), 4);
    }

    #[test]
    fn lookbehind_assertions_keep_a_recognizer_out() {
        assert!(OnePass::accepts(
            &[spec(r"\d{4}", None, &[&[r"\d"]])],
            false
        ));
        assert!(!OnePass::accepts(&[spec(r"\b\d{4}", None, &[])], false));
        assert!(!OnePass::accepts(&[spec(r"(?m)^\d{4}", None, &[])], false));
    }

    /// What the pass finds with the DFA started at every character boundary (no byte-pair
    /// filter), for comparing; `pass` must walk every pattern forwards (built uncut).
    fn every_boundary(pass: &OnePass, text: &str) -> Vec<Start> {
        assert!(pass.heads.is_none(), "a pass without cut patterns");
        let mut cache = pass.dfa.create_cache();
        let start = begin(&pass.dfa, &mut cache).expect("start state");
        let mut starts = Vec::new();
        for (at, _) in text.char_indices() {
            let mut matched = Vec::new();
            pass.walk(
                text.as_bytes(),
                at,
                start,
                &mut cache,
                &mut matched,
                &mut 0,
                usize::MAX,
            )
            .expect("walks");
            matched.sort_unstable();
            matched.dedup();
            let before = text[..at].chars().next_back();
            for pattern in matched {
                let allowed = match (&pass.not_after[pass.forward[pattern]], before) {
                    (Some(not_after), Some(before)) => !not_after.contains(before),
                    _ => true,
                };
                if allowed {
                    let (recognizer, pattern) = pass.owners[pass.forward[pattern]];
                    starts.push(Start {
                        at,
                        recognizer,
                        pattern,
                    });
                }
            }
        }
        starts
    }

    #[test]
    fn the_byte_pair_filter_spares_only_walks_that_find_nothing() {
        let digits = [spec(r"\d{4}", Some(r"[\d\p{L}]"), &[&[r"\d"]])];
        let label = [spec(r"(?:född|f\.|dob)\s*\d{2}", Some(r"\p{L}"), &[])];
        let hex = [spec(
            r"[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,3}",
            Some(r"[\w:]"),
            &[],
        )];
        let one_byte = [spec(r"[+#]", None, &[])];
        let capital = [spec(r"\p{Lu}\p{Ll}+gatan \d", Some(r"\p{L}"), &[])];
        // A word that begins a match and cannot be cut: words are no longer passed over.
        let word = [spec(r"ord", None, &[])];
        let members: [(&[PatternSpec], bool); 6] = [
            (&digits, false),
            (&label, true),
            (&hex, false),
            (&one_byte, false),
            (&capital, false),
            (&word, false),
        ];
        for members in [&members[..5], &members[..]] {
            let pass = OnePass::new(members).expect("compiles");
            // The label, the street and the hexadecimal groups (which may begin at words) are
            // cut before their digits or `:`; the old way walks them too.
            assert_eq!(pass.cut.len(), 3);
            assert_eq!(pass.skips_words, members.len() == 5);
            let uncut = OnePass::build(members, false).expect("compiles");
            compare_with_every_boundary(&pass, &uncut);
        }
    }

    fn compare_with_every_boundary(pass: &OnePass, uncut: &OnePass) {
        let pieces = [
            "1",
            "12",
            "1234",
            " ",
            "\n",
            "född",
            "FÖDD",
            "f.",
            "dob",
            ":",
            "::",
            "ab",
            "de",
            "Åsgatan",
            "Storgatan",
            "+",
            "#",
            "x",
            "é",
            "Ö",
            "-",
            "fe80",
            "a",
            "ord",
            "10:30",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..3000 {
            let mut text = String::new();
            for _ in 0..(state % 12) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                text.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let found = pass.starts(&text).expect("scans");
            assert_eq!(found, every_boundary(uncut, &text), "in {text:?}");
        }
        // Across the blocks of 64 bytes the filter works in, and at the text's two ends.
        let long = format!("1234{}född 12 ab::cd +", " ord".repeat(40));
        assert_eq!(
            pass.starts(&long).expect("scans"),
            every_boundary(uncut, &long)
        );
    }

    /// The class bodies of a lookaround's single-character atoms (`[\d.,:]\d` gives `\d.,:`
    /// and `\d`), as `piiscan.engine.compiled.split_boundaries` reads them.
    fn atoms(sequence: &str) -> Vec<String> {
        let characters: Vec<char> = sequence.chars().collect();
        let mut bodies = Vec::new();
        let mut at = 0;
        while at < characters.len() {
            let end = match characters[at] {
                '[' => {
                    let mut end = at + 1;
                    while characters[end] != ']' {
                        end += if characters[end] == '\\' { 2 } else { 1 };
                    }
                    bodies.push(characters[at + 1..end].iter().collect());
                    end + 1
                }
                '\\' if characters[at + 1] == 'p' => {
                    let close = at + characters[at..].iter().position(|&c| c == '}').unwrap();
                    bodies.push(characters[at..=close].iter().collect());
                    close + 1
                }
                '\\' => {
                    bodies.push(characters[at..at + 2].iter().collect());
                    at + 2
                }
                other => {
                    bodies.push(regex::escape(&other.to_string()));
                    at + 1
                }
            };
            at = end;
        }
        bodies
    }

    /// A catalogue pattern with its leading `(?<!C)` and trailing `(?!S)` groups as declared
    /// fields (the catalogue's are plain: no parenthesis inside them).
    fn core_form(pattern: &str) -> PatternSpec {
        let mut regex = pattern;
        let mut not_after = None;
        if let Some(rest) = regex.strip_prefix("(?<!") {
            let close = rest.find(")").unwrap();
            let bodies = atoms(&rest[..close]);
            assert_eq!(bodies.len(), 1, "{pattern}");
            not_after = Some(bodies[0].clone());
            regex = &rest[close + 1..];
        }
        let mut not_before = Vec::new();
        while regex.ends_with(')') {
            let Some(open) = regex.rfind("(?!") else {
                break;
            };
            if regex[open + 3..regex.len() - 1].contains(['(', ')']) {
                break;
            }
            not_before.insert(0, atoms(&regex[open + 3..regex.len() - 1]));
            regex = &regex[..open];
        }
        PatternSpec {
            regex: regex.to_owned(),
            not_after,
            not_before,
        }
    }

    /// Every built-in recognizer's patterns, read from the catalogue's YAML files (none of
    /// them sets a flag): `(file name, patterns)`.
    fn catalogue() -> Vec<(String, Vec<PatternSpec>)> {
        let folder =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/piiscan/catalogue_yaml");
        let mut files: Vec<_> = std::fs::read_dir(&folder)
            .expect("the catalogue")
            .map(|entry| entry.expect("an entry").path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|path| {
                let yaml = std::fs::read_to_string(path).expect("readable");
                assert!(!yaml.contains("\nflags:"), "{path:?}");
                let patterns = yaml
                    .lines()
                    .filter_map(|line| line.trim().strip_prefix("regex: '"))
                    .map(|quoted| core_form(&quoted[..quoted.len() - 1].replace("''", "'")))
                    .collect();
                let name = path.file_stem().unwrap().to_string_lossy().into_owned();
                (name, patterns)
            })
            .collect()
    }

    /// Texts rich in street lines and near misses, from a fixed seed.
    fn street_texts(count: usize, mut state: u64) -> Vec<String> {
        let pieces = [
            "Storgatan",
            "Storgatan 12",
            "Stora Nygatan 5",
            "S:t Eriksgatan 117 A",
            "Sankt Göransgatan",
            "Lilla",
            "Stora",
            "Östra",
            "Ängen",
            "Östra Ängen 3",
            "Karl-Johansgatan 4 B, lgh 1102",
            "Anna-Karin",
            "Box 12",
            "Box",
            "c/o Anna Svensson,\n Storgatan 5",
            "c/o Eva,",
            "c/o",
            "Kungsvägen",
            "Kungs väg 3",
            "Drottning gata",
            "Ågatan 9, 582 22 Linköping",
            "123 45 Stockholm",
            "SE-123 45 Vallentuna-Kyrkby",
            "SE 556677-8899 01",
            "1 tr.",
            "född 1985-06-01",
            "Född: den 12 maj 1990",
            "dob 850601",
            "clearing 1234-5, konto 123 456 789",
            "ABC 123",
            "ABC12D",
            "A1B2C3D4E",
            "gatan",
            "vägen",
            "torg",
            "Torget",
            "Plan",
            "Hagen 2a",
            "Ögatan 7 H",
            " ",
            " ",
            "  ",
            "\n",
            "\t",
            ", ",
            "-",
            "\u{a0}",
            "\u{2003}",
            "x",
            "é",
            "Ö",
            "a",
            "5",
            "12",
            "1234",
            "2024",
            "\u{663}",
            "\u{ff13}",
            "fe80::1",
            "::",
            "10:30",
            "Adress:",
            "ab:cd:ef",
            "Clearing:",
            "och",
            "Det",
        ];
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        (0..count)
            .map(|_| {
                let length = next() % 14;
                (0..length)
                    .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                    .collect()
            })
            .collect()
    }

    #[test]
    fn the_catalogue_starts_the_same_found_backwards_from_digits() {
        let catalogue = catalogue();
        let address: &[PatternSpec] = &catalogue
            .iter()
            .find(|(name, _)| name == "se_address")
            .expect("the address")
            .1;
        // The recognizers that join the engine's pass (`CompiledPatterns::new`'s rule).
        let members: Vec<(&[PatternSpec], bool)> = catalogue
            .iter()
            .filter(|(_, patterns)| {
                OnePass::accepts(patterns, false)
                    && OnePass::walked_forwards(&[(patterns, false)])
                        .is_ok_and(|alone| alone.steps_per_byte_of_prose() <= 0.5)
            })
            .map(|(_, patterns)| (patterns.as_slice(), false))
            .collect();
        assert!(members.len() > 10);
        let alone = [(address, false)];
        for members in [&members[..], &alone[..]] {
            let pass = OnePass::new(members).expect("compiles");
            let uncut = OnePass::build(members, false).expect("compiles");
            // The three street lines are cut, the postnummer and town is not.
            let cut_address: Vec<(usize, usize)> = pass
                .cut
                .iter()
                .map(|&cut| pass.owners[cut])
                .filter(|&(recognizer, _)| std::ptr::eq(members[recognizer].0, address))
                .collect();
            assert_eq!(cut_address.len(), 3, "{cut_address:?}");
            let mut compared = 0;
            for (number, text) in street_texts(4000, 0x9e37_79b9_7f4a_7c15).iter().enumerate() {
                let expected = every_boundary(&uncut, text);
                compared += expected.len();
                assert_eq!(pass.starts(text).expect("scans"), expected, "in {text:?}");
                // Within ranges: the starts at offsets inside them.
                let bounds: Vec<usize> = text.char_indices().map(|(at, _)| at).collect();
                if bounds.len() > 4 {
                    let cut = |k: usize| bounds[(number * 7 + k * 13) % bounds.len()];
                    let mut edges = [cut(1), cut(2), cut(3), cut(4)];
                    edges.sort_unstable();
                    let ranges = [(edges[0], edges[1]), (edges[2], edges[3])];
                    let within: Vec<Start> = expected
                        .iter()
                        .filter(|start| ranges.iter().any(|&(l, h)| l <= start.at && start.at < h))
                        .copied()
                        .collect();
                    assert_eq!(
                        pass.starts_within(text, &ranges).expect("scans"),
                        within,
                        "in {text:?} within {ranges:?}"
                    );
                }
            }
            assert!(compared > 5000, "{compared}");
        }
    }

    #[test]
    fn words_are_told_from_the_rest_eight_bytes_at_a_time() {
        for length in 0..=64 {
            let bytes: Vec<u8> = (0..length)
                .map(|index| (index * 37 + length * 11) as u8)
                .collect();
            let expected = bytes
                .iter()
                .enumerate()
                .filter(|(_, byte)| !(byte.is_ascii_lowercase() || **byte == b' '))
                .fold(0u64, |mask, (index, _)| mask | 1 << index);
            assert_eq!(not_words(&bytes), expected, "{bytes:?}");
        }
        for byte in 0..=255u8 {
            let expected = u64::from(!(byte.is_ascii_lowercase() || byte == b' ')) << 5;
            assert_eq!(
                not_words(&[b'a', b'b', b'c', b'd', b'e', byte]),
                expected,
                "{byte}"
            );
        }
    }

    #[test]
    fn case_insensitive_members() {
        let label = [spec(r"född \d{4}", None, &[])];
        let pass = OnePass::new(&[(&label, true)]).expect("compiles");
        let starts = pass.starts("FÖDD 1985").expect("scans");
        assert_eq!(starts.len(), 1);
    }
}
