//! Lua 5.4 patterns (reference manual §6.4.1) over byte strings.
//!
//! This is the engine behind `string.find`, `string.match`, `string.gmatch`
//! and `string.gsub`; it knows nothing about VM values. Positions are 0-based
//! byte offsets (Lua shows them plus one).
//!
//! The matcher is a backtracking matcher with the same observable behaviour as
//! PUC-Rio Lua's: errors in a pattern are reported only when the matcher reaches
//! the faulty item, recursion happens only for captures and quantified items
//! (everything else loops), and the recursion depth is capped at 200 like Lua's
//! `MAXCCALLS`, so no pattern can overflow the Rust stack. On top of that a step
//! budget bounds the work of one call, so a pathological pattern on a long
//! subject fails with "pattern too complex" instead of running for hours.

use std::fmt;
use std::mem::MaybeUninit;

/// Most captures one pattern may hold (Lua's `LUA_MAXCAPTURES`).
pub const MAX_CAPTURES: usize = 32;

/// Deepest nesting of recursive matcher calls (Lua's `MAXCCALLS`).
const MAX_MATCH_DEPTH: usize = 200;

/// Default work budget of one matching call, in matcher steps (one step is
/// roughly one subject byte examined). Far above what real programs need, low
/// enough that exponential backtracking stops within seconds.
pub const DEFAULT_STEP_LIMIT: u64 = 1 << 30;

/// The escape character of patterns and replacement strings.
const ESC: u8 = b'%';

/// Bytes that make a pattern more than a plain substring (Lua's `SPECIALS`).
const SPECIALS: &[u8] = b"^$*+?.([%-";

/// A pattern error, with Lua's exact message as its `Display`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    /// A pattern ends in a lone `%`.
    EndsWithPercent,
    /// A set `[...]` has no closing `]`.
    MissingBracket,
    /// `%b` is not followed by two characters.
    MissingBalanceArguments,
    /// `%f` is not followed by a set.
    MissingFrontierBracket,
    /// A back-reference `%n` (in a pattern) or `%n` in a replacement string
    /// names a capture that does not exist or is still open.
    InvalidCaptureIndex(usize),
    /// A `)` closes no open capture.
    InvalidPatternCapture,
    /// A match succeeded with a capture still open.
    UnfinishedCapture,
    /// More than [`MAX_CAPTURES`] captures.
    TooManyCaptures,
    /// Recursion depth or step budget exhausted.
    TooComplex,
    /// A replacement string has `%` followed by something other than a digit or `%`.
    InvalidReplacementEscape,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatternError::EndsWithPercent => f.write_str("malformed pattern (ends with '%')"),
            PatternError::MissingBracket => f.write_str("malformed pattern (missing ']')"),
            PatternError::MissingBalanceArguments => {
                f.write_str("malformed pattern (missing arguments to '%b')")
            }
            PatternError::MissingFrontierBracket => {
                f.write_str("missing '[' after '%f' in pattern")
            }
            PatternError::InvalidCaptureIndex(n) => write!(f, "invalid capture index %{n}"),
            PatternError::InvalidPatternCapture => f.write_str("invalid pattern capture"),
            PatternError::UnfinishedCapture => f.write_str("unfinished capture"),
            PatternError::TooManyCaptures => f.write_str("too many captures"),
            PatternError::TooComplex => f.write_str("pattern too complex"),
            PatternError::InvalidReplacementEscape => {
                f.write_str("invalid use of '%' in replacement string")
            }
        }
    }
}

impl std::error::Error for PatternError {}

/// One capture value as Lua hands it to the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capture {
    /// A substring `subject[start..end]`.
    Span(usize, usize),
    /// A position capture `()`: the offset it stood at (Lua reports offset + 1).
    Position(usize),
}

/// The state of one capture slot while matching.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CaptureLen {
    Unfinished,
    Position,
    Closed(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RawCapture {
    start: usize,
    len: CaptureLen,
}

impl RawCapture {
    fn value(self) -> Result<Capture, PatternError> {
        match self.len {
            CaptureLen::Unfinished => Err(PatternError::UnfinishedCapture),
            CaptureLen::Position => Ok(Capture::Position(self.start)),
            CaptureLen::Closed(len) => Ok(Capture::Span(self.start, self.start + len)),
        }
    }
}

/// A successful match: `subject[start..end]` plus the captures as they stood.
///
/// A capture left open by the pattern (`"(a"`) is kept as such; reading it is
/// an "unfinished capture" error, exactly when Lua would raise it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    captures: Vec<RawCapture>,
}

impl Match {
    /// Number of captures the pattern made (0 when it has none).
    pub fn capture_count(&self) -> usize {
        self.captures.len()
    }

    /// The explicit captures, as `string.find` returns them after the indices.
    pub fn captures(&self) -> Result<Vec<Capture>, PatternError> {
        self.captures.iter().map(|c| c.value()).collect()
    }

    /// What `string.match` and `string.gmatch` return: the captures, or the
    /// whole match when the pattern has none.
    pub fn values(&self) -> Result<Vec<Capture>, PatternError> {
        if self.captures.is_empty() {
            Ok(vec![Capture::Span(self.start, self.end)])
        } else {
            self.captures()
        }
    }

    /// Capture `index` (0-based) as a replacement sees it: index 0 of a
    /// pattern without captures is the whole match.
    pub fn capture(&self, index: usize) -> Result<Capture, PatternError> {
        match self.captures.get(index) {
            Some(c) => c.value(),
            None if index == 0 => Ok(Capture::Span(self.start, self.end)),
            None => Err(PatternError::InvalidCaptureIndex(index + 1)),
        }
    }

    /// The value `string.gsub` passes to a replacement function or uses as a
    /// table key: the first capture, or the whole match.
    pub fn first_value(&self) -> Result<Capture, PatternError> {
        self.capture(0)
    }
}

/// True when `pattern` has no special characters, so a plain substring
/// search gives the same result as matching.
pub fn is_plain(pattern: &[u8]) -> bool {
    !pattern.iter().any(|b| SPECIALS.contains(b))
}

/// Plain substring search from `init`: the offset of the first occurrence of
/// `needle` at or after `init`. An empty needle is found at `init` if
/// `init <= subject.len()`.
pub fn find_plain(subject: &[u8], needle: &[u8], init: usize) -> Option<usize> {
    let hay = subject.get(init..)?;
    if needle.is_empty() {
        return Some(init);
    }
    let first = needle[0];
    let last_start = hay.len().checked_sub(needle.len())?;
    let mut i = 0;
    while i <= last_start {
        // Jump to the next occurrence of the first byte, then compare the whole needle
        // (inline for up to 16 bytes: most needles are short, and most candidates fail).
        i += hay[i..=last_start].iter().position(|&b| b == first)?;
        if crate::string::short_bytes_eq(&hay[i..i + needle.len()], needle) {
            return Some(init + i);
        }
        i += 1;
    }
    None
}

/// `string.find` / `string.match` with a pattern: search for the first match
/// starting at or after `init`. A leading `^` anchors the search at `init`.
/// `init > subject.len()` finds nothing, like Lua.
pub fn find(subject: &[u8], pattern: &[u8], init: usize) -> Result<Option<Match>, PatternError> {
    find_limited(subject, pattern, init, DEFAULT_STEP_LIMIT)
}

/// [`find`] with an explicit step budget for the whole search.
pub fn find_limited(
    subject: &[u8],
    pattern: &[u8],
    init: usize,
    step_limit: u64,
) -> Result<Option<Match>, PatternError> {
    if init > subject.len() {
        return Ok(None);
    }
    let (anchored, pattern) = split_anchor(pattern);
    let mut ms = Matcher::new(subject, pattern, step_limit);
    let mut start = init;
    loop {
        if let Some(m) = ms.attempt(start)? {
            return Ok(Some(m));
        }
        start += 1;
        if anchored || start > subject.len() {
            return Ok(None);
        }
    }
}

/// The captures of a match as the matcher holds them, read in place (no allocation):
/// what [`find_with`] hands its callback.
#[derive(Clone, Copy)]
pub struct Captures<'m>(&'m [RawCapture]);

impl Captures<'_> {
    /// Number of captures the pattern made (0 when it has none).
    pub fn len(self) -> usize {
        self.0.len()
    }

    pub fn is_empty(self) -> bool {
        self.0.is_empty()
    }

    /// Capture `index` (0-based, below `len`); an error for one left open.
    pub fn get(self, index: usize) -> Result<Capture, PatternError> {
        self.0[index].value()
    }
}

/// [`find`] that hands the match to `f` (start, end and captures) instead of building a
/// [`Match`]: `string.find` and `string.match` push the values straight from the
/// matcher's capture slots.
pub fn find_with<T>(
    subject: &[u8],
    pattern: &[u8],
    init: usize,
    f: impl FnOnce(usize, usize, Captures<'_>) -> T,
) -> Result<Option<T>, PatternError> {
    if init > subject.len() {
        return Ok(None);
    }
    let (anchored, pattern) = split_anchor(pattern);
    let mut ms = Matcher::new(subject, pattern, DEFAULT_STEP_LIMIT);
    // (An anchored search makes one attempt: nothing to skip.)
    let first = if anchored { None } else { ms.first_item() };
    let mut start = init;
    loop {
        if let Some(ep) = first {
            // Skip the starts where the pattern's first item cannot match.
            while !ms.single_matches(start, 0, ep) {
                start += 1;
                if anchored || start > subject.len() {
                    return Ok(None);
                }
            }
        }
        ms.captures.clear();
        ms.depth_left = MAX_MATCH_DEPTH;
        if let Some(end) = ms.do_match(start, 0)? {
            return Ok(Some(f(start, end, Captures(ms.captures.as_slice()))));
        }
        start += 1;
        if anchored || start > subject.len() {
            return Ok(None);
        }
    }
}

/// Match `pattern` exactly at `init` (no scanning). `^` has no special
/// meaning here: callers that honour anchors strip it first.
pub fn match_at(
    subject: &[u8],
    pattern: &[u8],
    init: usize,
) -> Result<Option<Match>, PatternError> {
    if init > subject.len() {
        return Ok(None);
    }
    Matcher::new(subject, pattern, DEFAULT_STEP_LIMIT).attempt(init)
}

/// Splits off a leading `^` anchor.
fn split_anchor(pattern: &[u8]) -> (bool, &[u8]) {
    match pattern.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, pattern),
    }
}

/// Successive matches for `string.gmatch` and `string.gsub`.
///
/// Both follow Lua 5.4: after each attempt that fails (or yields an empty
/// match ending where the previous match ended) the search moves one byte on.
/// `gsub` honours a leading `^` (at most one match, at the start); `gmatch`
/// does not (in Lua 5.4 a `^` there is an ordinary character).
///
/// The subject and pattern are passed to every [`MatchIter::next`] call (they
/// must be the same each time) so the caller can keep them in its own storage.
#[derive(Debug, Clone)]
pub struct MatchIter {
    pos: usize,
    last_match: Option<usize>,
    anchored: bool,
    pattern_start: usize,
    done: bool,
    /// Step budget of each `next` call.
    pub step_limit: u64,
}

impl MatchIter {
    /// Iteration state for `string.gmatch(s, pattern, init)`; `init` is a
    /// 0-based offset and may exceed the subject length (no matches then).
    pub fn gmatch(init: usize) -> MatchIter {
        MatchIter {
            pos: init,
            last_match: None,
            anchored: false,
            pattern_start: 0,
            done: false,
            step_limit: DEFAULT_STEP_LIMIT,
        }
    }

    /// A `gmatch` iteration resumed at `pos` (a 0-based offset, as for
    /// [`MatchIter::gmatch`]) after a match that ended at `last_match`: the state a
    /// `gmatch` iterator keeps between its calls.
    pub fn gmatch_resumed(pos: usize, last_match: Option<usize>) -> MatchIter {
        MatchIter {
            last_match,
            ..MatchIter::gmatch(pos)
        }
    }

    /// Where the next search starts (past the subject once it is exhausted).
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Iteration state for `string.gsub(s, pattern, ...)`.
    pub fn gsub(pattern: &[u8]) -> MatchIter {
        let anchored = pattern.first() == Some(&b'^');
        MatchIter {
            pos: 0,
            last_match: None,
            anchored,
            pattern_start: usize::from(anchored),
            done: false,
            step_limit: DEFAULT_STEP_LIMIT,
        }
    }

    /// The next match, or `None` when the subject is exhausted.
    pub fn next(&mut self, subject: &[u8], pattern: &[u8]) -> Result<Option<Match>, PatternError> {
        if self.done {
            return Ok(None);
        }
        let pattern = pattern.get(self.pattern_start..).unwrap_or_default();
        let mut ms = Matcher::new(subject, pattern, self.step_limit);
        let first = if self.anchored { None } else { ms.first_item() };
        while self.pos <= subject.len() {
            if let Some(ep) = first {
                // No match can start where the pattern's first item does not match.
                if !ms.single_matches(self.pos, 0, ep) {
                    self.pos += 1;
                    if self.anchored {
                        break;
                    }
                    continue;
                }
            }
            let found = ms.attempt(self.pos)?;
            match found {
                Some(m) if Some(m.end) != self.last_match => {
                    self.pos = m.end;
                    self.last_match = Some(m.end);
                    self.done = self.anchored;
                    return Ok(Some(m));
                }
                _ => {
                    self.pos += 1;
                    if self.anchored {
                        break;
                    }
                }
            }
        }
        self.done = true;
        Ok(None)
    }
}

/// `string.gsub` with a replacement string: returns the new string and the
/// number of substitutions. `max_replacements` is gsub's optional 4th argument.
pub fn gsub_string(
    subject: &[u8],
    pattern: &[u8],
    replacement: &[u8],
    max_replacements: Option<usize>,
) -> Result<(Vec<u8>, usize), PatternError> {
    let mut out = Vec::with_capacity(subject.len());
    let mut iter = MatchIter::gsub(pattern);
    let mut copied = 0;
    let mut count = 0;
    while max_replacements.is_none_or(|max| count < max) {
        let Some(m) = iter.next(subject, pattern)? else {
            break;
        };
        out.extend_from_slice(&subject[copied..m.start]);
        expand_replacement(subject, &m, replacement, &mut out)?;
        copied = m.end;
        count += 1;
    }
    out.extend_from_slice(&subject[copied..]);
    Ok((out, count))
}

/// Appends the expansion of a gsub replacement string for match `m`: `%0` is
/// the whole match, `%1`-`%9` a capture (a position capture as its Lua
/// integer), `%%` a percent sign.
pub fn expand_replacement(
    subject: &[u8],
    m: &Match,
    replacement: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), PatternError> {
    let mut bytes = replacement.iter();
    while let Some(&b) = bytes.next() {
        if b != ESC {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(&ESC) => out.push(ESC),
            Some(&b'0') => out.extend_from_slice(&subject[m.start..m.end]),
            Some(&d) if d.is_ascii_digit() => match m.capture(usize::from(d - b'1'))? {
                Capture::Span(s, e) => out.extend_from_slice(&subject[s..e]),
                Capture::Position(p) => out.extend_from_slice((p + 1).to_string().as_bytes()),
            },
            _ => return Err(PatternError::InvalidReplacementEscape),
        }
    }
    Ok(())
}

/// Bits of [`BYTE_CLASSES`]: the classes a byte belongs to (C's `<ctype.h>` in the "C"
/// locale, which Lua's classes are defined by; no byte above 127 is in any).
const ALPHA: u16 = 1 << 0;
const CNTRL: u16 = 1 << 1;
const DIGIT: u16 = 1 << 2;
const GRAPH: u16 = 1 << 3;
const LOWER: u16 = 1 << 4;
const PUNCT: u16 = 1 << 5;
const SPACE: u16 = 1 << 6;
const UPPER: u16 = 1 << 7;
const XDIGIT: u16 = 1 << 8;
/// Only the byte 0 (`%z`, deprecated in 5.2 but still accepted by Lua 5.4).
const ZERO: u16 = 1 << 9;
/// In [`CLASS_LETTERS`]: an upper-case class letter, the complement of its class.
const COMPLEMENT: u16 = 1 << 15;

/// The classes of each byte, so a class test is one load and a mask (a `match` on the
/// class letter per subject byte cost gmatch("%a+") a third of its time).
const BYTE_CLASSES: [u16; 256] = {
    let mut t = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut bits = 0;
        if c.is_ascii_alphabetic() {
            bits |= ALPHA;
        }
        if c.is_ascii_control() {
            bits |= CNTRL;
        }
        if c.is_ascii_digit() {
            bits |= DIGIT;
        }
        if c.is_ascii_graphic() {
            bits |= GRAPH;
        }
        if c.is_ascii_lowercase() {
            bits |= LOWER;
        }
        if c.is_ascii_punctuation() {
            bits |= PUNCT;
        }
        if matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            bits |= SPACE;
        }
        if c.is_ascii_uppercase() {
            bits |= UPPER;
        }
        if c.is_ascii_hexdigit() {
            bits |= XDIGIT;
        }
        if c == 0 {
            bits |= ZERO;
        }
        t[i] = bits;
        i += 1;
    }
    t
};

/// For each letter that names a class after `%`, the [`BYTE_CLASSES`] bits of its class
/// (`%w` is letters and digits), with [`COMPLEMENT`] for the upper-case letter; 0 for
/// every other byte, which stands for itself.
const CLASS_LETTERS: [u16; 256] = {
    let mut t = [0u16; 256];
    let letters: [(u8, u16); 11] = [
        (b'a', ALPHA),
        (b'c', CNTRL),
        (b'd', DIGIT),
        (b'g', GRAPH),
        (b'l', LOWER),
        (b'p', PUNCT),
        (b's', SPACE),
        (b'u', UPPER),
        (b'w', ALPHA | DIGIT),
        (b'x', XDIGIT),
        (b'z', ZERO),
    ];
    let mut i = 0;
    while i < letters.len() {
        let (letter, bits) = letters[i];
        t[letter as usize] = bits;
        t[letter.to_ascii_uppercase() as usize] = bits | COMPLEMENT;
        i += 1;
    }
    t
};

/// Does byte `c` belong to class letter `class` (the letter after `%`)?
/// Upper-case class letters are complements; other letters stand for themselves.
#[inline]
fn class_matches(c: u8, class: u8) -> bool {
    let class_bits = CLASS_LETTERS[class as usize];
    if class_bits == 0 {
        return class == c;
    }
    let found = BYTE_CLASSES[c as usize] & class_bits & !COMPLEMENT != 0;
    found != (class_bits & COMPLEMENT != 0)
}

/// The captures a matcher holds, in the order they opened: filled as they open rather
/// than initialised up front. A matcher is made for every `find`, `match` and `gmatch`
/// step, and setting all `MAX_CAPTURES` of them cost about 40 instructions each time.
struct CaptureStack {
    /// `items[..len]` are initialised.
    items: [MaybeUninit<RawCapture>; MAX_CAPTURES],
    len: usize,
}

impl CaptureStack {
    fn new() -> CaptureStack {
        CaptureStack {
            items: [const { MaybeUninit::uninit() }; MAX_CAPTURES],
            len: 0,
        }
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Open a capture; `false` (nothing done) when `MAX_CAPTURES` are open.
    fn push(&mut self, capture: RawCapture) -> bool {
        match self.items.get_mut(self.len) {
            Some(slot) => {
                slot.write(capture);
                self.len += 1;
                true
            }
            None => false,
        }
    }

    fn pop(&mut self) {
        self.len -= 1;
    }

    fn as_slice(&self) -> &[RawCapture] {
        // SAFETY: `items[..len]` were written by `push` (`len <= MAX_CAPTURES`).
        unsafe { std::slice::from_raw_parts(self.items.as_ptr().cast(), self.len) }
    }

    fn as_mut_slice(&mut self) -> &mut [RawCapture] {
        // SAFETY: as in `as_slice`.
        unsafe { std::slice::from_raw_parts_mut(self.items.as_mut_ptr().cast(), self.len) }
    }
}

/// The matcher for one subject/pattern pair.
struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    captures: CaptureStack,
    depth_left: usize,
    steps_left: u64,
}

impl<'a> Matcher<'a> {
    fn new(src: &'a [u8], pat: &'a [u8], step_limit: u64) -> Matcher<'a> {
        Matcher {
            src,
            pat,
            captures: CaptureStack::new(),
            depth_left: MAX_MATCH_DEPTH,
            steps_left: step_limit,
        }
    }

    /// One anchored attempt at `start`; the step budget carries over between
    /// attempts so a whole scan is bounded.
    fn attempt(&mut self, start: usize) -> Result<Option<Match>, PatternError> {
        self.captures.clear();
        self.depth_left = MAX_MATCH_DEPTH;
        Ok(self.do_match(start, 0)?.map(|end| Match {
            start,
            end,
            captures: self.captures.as_slice().to_vec(),
        }))
    }

    /// The end of the pattern's first item when every match must begin with one byte
    /// matching it (a single-character class, not optional: no `*`, `?` or `-` after
    /// it), so a search can skip the starts where it fails without attempting a match.
    /// `None` for anything else, a malformed first item included (the matcher then
    /// reports the error where Lua does).
    fn first_item(&self) -> Option<usize> {
        match *self.pat.first()? {
            b'(' | b')' => return None,
            b'$' if self.pat.len() == 1 => return None,
            ESC if matches!(self.pat_at(1), b'b' | b'f' | b'0'..=b'9') => return None,
            _ => {}
        }
        let ep = self.class_end(0).ok()?;
        (!matches!(self.pat_at(ep), b'*' | b'?' | b'-')).then_some(ep)
    }

    /// Pattern byte at `i`, or 0 past the end (Lua reads the terminating NUL).
    fn pat_at(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    /// Subject byte at `i`, or 0 past the end (the frontier test relies on it).
    fn src_at(&self, i: usize) -> u8 {
        self.src.get(i).copied().unwrap_or(0)
    }

    fn charge(&mut self, steps: u64) -> Result<(), PatternError> {
        match self.steps_left.checked_sub(steps) {
            Some(left) => {
                self.steps_left = left;
                Ok(())
            }
            None => Err(PatternError::TooComplex),
        }
    }

    /// Index just past the single-character class starting at `p`.
    fn class_end(&self, p: usize) -> Result<usize, PatternError> {
        let end = self.pat.len();
        match self.pat_at(p) {
            ESC => {
                if p + 1 >= end {
                    return Err(PatternError::EndsWithPercent);
                }
                Ok(p + 2)
            }
            b'[' => {
                let mut q = p + 1;
                if self.pat_at(q) == b'^' {
                    q += 1;
                }
                // The first byte of a set is never its end, so `[]]` is a set.
                loop {
                    if q >= end {
                        return Err(PatternError::MissingBracket);
                    }
                    let c = self.pat[q];
                    q += 1;
                    if c == ESC && q < end {
                        q += 1;
                    }
                    if self.pat_at(q) == b']' {
                        return Ok(q + 1);
                    }
                }
            }
            _ => Ok(p + 1),
        }
    }

    /// Does byte `c` belong to the set `pat[p..=close]` (`p` at `[`, `close` at `]`)?
    fn set_matches(&self, c: u8, p: usize, close: usize) -> bool {
        let mut p = p + 1;
        let negated = self.pat_at(p) == b'^';
        if negated {
            p += 1;
        }
        while p < close {
            let b = self.pat[p];
            if b == ESC {
                p += 1;
                if class_matches(c, self.pat_at(p)) {
                    return !negated;
                }
                p += 1;
            } else if self.pat_at(p + 1) == b'-' && p + 2 < close {
                if b <= c && c <= self.pat[p + 2] {
                    return !negated;
                }
                p += 3;
            } else {
                if b == c {
                    return !negated;
                }
                p += 1;
            }
        }
        negated
    }

    /// Does the subject byte at `s` match the single class `pat[p..ep]`?
    fn single_matches(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pat[p] {
            b'.' => true,
            ESC => class_matches(c, self.pat_at(p + 1)),
            b'[' => self.set_matches(c, p, ep - 1),
            b => b == c,
        }
    }

    /// Matches `pat[p..]` against the subject at `s`; returns the end of the
    /// match. Recurses only where backtracking needs it, bounded by depth.
    fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if self.depth_left == 0 {
            return Err(PatternError::TooComplex);
        }
        self.depth_left -= 1;
        let result = self.match_loop(s, p);
        self.depth_left += 1;
        result
    }

    fn match_loop(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, PatternError> {
        loop {
            self.charge(1)?;
            if p == self.pat.len() {
                return Ok(Some(s));
            }
            match self.pat[p] {
                b'(' => {
                    return if self.pat_at(p + 1) == b')' {
                        self.start_capture(s, p + 2, CaptureLen::Position)
                    } else {
                        self.start_capture(s, p + 1, CaptureLen::Unfinished)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok((s == self.src.len()).then_some(s));
                }
                ESC if self.pat_at(p + 1) == b'b' => match self.match_balance(s, p + 2)? {
                    Some(end) => {
                        s = end;
                        p += 4;
                        continue;
                    }
                    None => return Ok(None),
                },
                ESC if self.pat_at(p + 1) == b'f' => {
                    p += 2;
                    if self.pat_at(p) != b'[' {
                        return Err(PatternError::MissingFrontierBracket);
                    }
                    let ep = self.class_end(p)?;
                    let previous = if s == 0 { 0 } else { self.src[s - 1] };
                    let current = self.src_at(s);
                    if !self.set_matches(previous, p, ep - 1)
                        && self.set_matches(current, p, ep - 1)
                    {
                        p = ep;
                        continue;
                    }
                    return Ok(None);
                }
                ESC if self.pat_at(p + 1).is_ascii_digit() => {
                    match self.match_back_reference(s, self.pat[p + 1])? {
                        Some(end) => {
                            s = end;
                            p += 2;
                            continue;
                        }
                        None => return Ok(None),
                    }
                }
                _ => {
                    let ep = self.class_end(p)?;
                    let suffix = self.pat_at(ep);
                    if !self.single_matches(s, p, ep) {
                        if matches!(suffix, b'*' | b'?' | b'-') {
                            // Zero repetitions are allowed: skip the item.
                            p = ep + 1;
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(end) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(end));
                            }
                            p = ep + 1;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                        }
                    }
                }
            }
        }
    }

    /// Greedy repetition: count how far the item matches, then back off one
    /// repetition at a time until the rest of the pattern matches.
    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, PatternError> {
        let mut count = 0;
        while self.single_matches(s + count, p, ep) {
            count += 1;
        }
        self.charge(count as u64)?;
        loop {
            if let Some(end) = self.do_match(s + count, ep + 1)? {
                return Ok(Some(end));
            }
            if count == 0 {
                return Ok(None);
            }
            count -= 1;
        }
    }

    /// Lazy repetition: try the rest first, then one more repetition.
    fn min_expand(
        &mut self,
        mut s: usize,
        p: usize,
        ep: usize,
    ) -> Result<Option<usize>, PatternError> {
        loop {
            if let Some(end) = self.do_match(s, ep + 1)? {
                return Ok(Some(end));
            }
            if !self.single_matches(s, p, ep) {
                return Ok(None);
            }
            s += 1;
        }
    }

    fn start_capture(
        &mut self,
        s: usize,
        p: usize,
        len: CaptureLen,
    ) -> Result<Option<usize>, PatternError> {
        if !self.captures.push(RawCapture { start: s, len }) {
            return Err(PatternError::TooManyCaptures);
        }
        let result = self.do_match(s, p)?;
        if result.is_none() {
            self.captures.pop();
        }
        Ok(result)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        let open = self
            .captures
            .as_slice()
            .iter()
            .rposition(|c| c.len == CaptureLen::Unfinished)
            .ok_or(PatternError::InvalidPatternCapture)?;
        let start = self.captures.as_slice()[open].start;
        self.captures.as_mut_slice()[open].len = CaptureLen::Closed(s - start);
        let result = self.do_match(s, p)?;
        if result.is_none() {
            self.captures.as_mut_slice()[open].len = CaptureLen::Unfinished;
        }
        Ok(result)
    }

    /// `%bxy` with `p` at `x`: a balanced run from `x` to its matching `y`.
    fn match_balance(&mut self, s: usize, p: usize) -> Result<Option<usize>, PatternError> {
        if p + 1 >= self.pat.len() {
            return Err(PatternError::MissingBalanceArguments);
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&open) {
            return Ok(None);
        }
        let mut depth = 1usize;
        let mut i = s + 1;
        while i < self.src.len() {
            let c = self.src[i];
            if c == close {
                depth -= 1;
                if depth == 0 {
                    self.charge((i - s) as u64)?;
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
            i += 1;
        }
        self.charge((i - s) as u64)?;
        Ok(None)
    }

    /// `%1`-`%9` inside a pattern: the text of an earlier closed capture.
    fn match_back_reference(&mut self, s: usize, digit: u8) -> Result<Option<usize>, PatternError> {
        let n = usize::from(digit - b'0');
        let capture = n
            .checked_sub(1)
            .and_then(|i| self.captures.as_slice().get(i).copied())
            .filter(|c| c.len != CaptureLen::Unfinished)
            .ok_or(PatternError::InvalidCaptureIndex(n))?;
        // A position capture has no text; Lua's length check always fails for it.
        let CaptureLen::Closed(len) = capture.len else {
            return Ok(None);
        };
        self.charge(len as u64)?;
        let wanted = &self.src[capture.start..capture.start + len];
        Ok((self.src.get(s..s + len) == Some(wanted)).then_some(s + len))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lua's `posrelatI(init) - 1`: a 0-based start offset from a Lua init argument.
    fn lua_init(init: Option<i64>, len: usize) -> usize {
        let len_i = len as i64;
        let pos = match init.unwrap_or(1) {
            p if p > 0 => p,
            0 => 1,
            p if p < -len_i => 1,
            p => len_i + p + 1,
        };
        (pos - 1) as usize
    }

    /// Renders values the way the Lua generator script printed them.
    fn render(subject: &[u8], caps: &[Capture], out: &mut Vec<u8>) {
        for c in caps {
            if !out.is_empty() && out.last() != Some(&b'[') {
                out.push(b' ');
            }
            match *c {
                Capture::Span(s, e) => {
                    out.push(b'\'');
                    out.extend_from_slice(&subject[s..e]);
                    out.push(b'\'');
                }
                Capture::Position(p) => out.extend_from_slice((p + 1).to_string().as_bytes()),
            }
        }
    }

    fn error_text(e: PatternError) -> Vec<u8> {
        format!("error: {e}").into_bytes()
    }

    /// `string.find(subject, pattern, init)` as the glue would run it.
    fn lua_find(subject: &[u8], pattern: &[u8], init: Option<i64>) -> Vec<u8> {
        let init = lua_init(init, subject.len());
        if init > subject.len() {
            return b"nil".to_vec();
        }
        let found = find(subject, pattern, init);
        if is_plain(pattern) {
            // Lua takes the fast path here (a plain ")" never reaches the
            // matcher); where the matcher accepts the pattern they must agree.
            let plain = find_plain(subject, pattern, init);
            if let Ok(matched) = &found {
                assert_eq!(plain, matched.as_ref().map(|m| m.start), "{pattern:?}");
            }
            return match plain {
                Some(i) => format!("{} {}", i + 1, i + pattern.len()).into_bytes(),
                None => b"nil".to_vec(),
            };
        }
        match found {
            Err(e) => error_text(e),
            Ok(None) => b"nil".to_vec(),
            Ok(Some(m)) => match m.captures() {
                Err(e) => error_text(e),
                Ok(caps) => {
                    let mut out = format!("{} {}", m.start + 1, m.end).into_bytes();
                    render(subject, &caps, &mut out);
                    out
                }
            },
        }
    }

    fn lua_gmatch(subject: &[u8], pattern: &[u8], init: Option<i64>) -> Vec<u8> {
        let mut init = lua_init(init, subject.len());
        if init > subject.len() {
            init = subject.len() + 1;
        }
        let mut iter = MatchIter::gmatch(init);
        let mut out = Vec::new();
        loop {
            match iter
                .next(subject, pattern)
                .and_then(|m| m.map(|m| m.values()).transpose())
            {
                Err(e) => return error_text(e),
                Ok(None) => return out,
                Ok(Some(mut values)) => {
                    out.push(b'[');
                    values.truncate(2);
                    render(subject, &values, &mut out);
                    if values.len() < 2 {
                        out.extend_from_slice(b" nil");
                    }
                    out.push(b']');
                }
            }
        }
    }

    fn lua_gsub(subject: &[u8], pattern: &[u8], repl: &[u8], max: Option<i64>) -> Vec<u8> {
        let max = max.map(|n| n.max(0) as usize);
        match gsub_string(subject, pattern, repl, max) {
            Err(e) => error_text(e),
            Ok((s, n)) => {
                let mut out = vec![b'\''];
                out.extend_from_slice(&s);
                out.extend_from_slice(format!("' {n}").as_bytes());
                out
            }
        }
    }

    /// Subject, pattern, Lua init argument, expected output.
    type SearchCase = (&'static [u8], &'static [u8], Option<i64>, &'static [u8]);
    /// Subject, pattern, replacement, max replacements, expected output.
    type GsubCase = (
        &'static [u8],
        &'static [u8],
        &'static [u8],
        Option<i64>,
        &'static [u8],
    );

    // Expected results were produced by `lua5.4` (5.4.4) on the same inputs.
    #[rustfmt::skip]
    const FIND_CASES: &[SearchCase] = &[
    (b"hello world", b"o w", None, b"5 7"),
    (b"hello world", b"l+", None, b"3 4"),
    (b"hello world", b"l*", None, b"1 0"),
    (b"hello world", b"xl*", None, b"nil"),
    (b"hello world", b"(l)(l)", None, b"3 4 'l' 'l'"),
    (b"hello world", b"(h)(e)(l)", None, b"1 3 'h' 'e' 'l'"),
    (b"hello", b"()ll()", None, b"3 4 3 5"),
    (b"hello", b"^h", None, b"1 1"),
    (b"hello", b"^e", None, b"nil"),
    (b"hello", b"o$", None, b"5 5"),
    (b"hello", b"l$", None, b"nil"),
    (b"hello", b"^hello$", None, b"1 5"),
    (b"hello", b"$", None, b"6 5"),
    (b"hello", b"^", None, b"1 0"),
    (b"", b"", None, b"1 0"),
    (b"", b"^$", None, b"1 0"),
    (b"", b".", None, b"nil"),
    (b"a$b", b"$b", None, b"2 3"),
    (b"a^b", b"a^", None, b"1 2"),
    (b"a^b", b"^a^", None, b"1 2"),
    (b"hello", b"", Some(3), b"3 2"),
    (b"hello", b"", Some(6), b"6 5"),
    (b"hello", b"", Some(7), b"nil"),
    (b"hello", b"l", Some(4), b"4 4"),
    (b"hello", b"^l", Some(3), b"3 3"),
    (b"hello", b"^l", Some(4), b"4 4"),
    (b"  key = value  ", b"^%s*(%S+)%s*=%s*(%S+)%s*$", None, b"1 15 'key' 'value'"),
    (b"abc123def", b"%d+", None, b"4 6"),
    (b"abc123def", b"%D+", None, b"1 3"),
    (b"ABCdef", b"%l+", None, b"4 6"),
    (b"ABCdef", b"%u+", None, b"1 3"),
    (b"ABCdef", b"%L+", None, b"1 3"),
    (b"ABCdef", b"%U+", None, b"4 6"),
    (b"a1_b2", b"%w+", None, b"1 2"),
    (b"a1_b2", b"%W", None, b"3 3"),
    (b"x\x09\x0a y", b"%s+", None, b"2 4"),
    (b"x\x09\x0a y", b"%S+", Some(2), b"5 5"),
    (b"deadBEEFxyz", b"%x+", None, b"1 8"),
    (b"deadBEEFxyz", b"%X+", None, b"9 11"),
    (b"a,b;c!", b"%p", None, b"2 2"),
    (b"a,b;c!", b"%P+", None, b"1 1"),
    (b"a\x01\x02b", b"%c+", None, b"2 3"),
    (b"a\x01\x02b", b"%C+", None, b"1 1"),
    (b" x~", b"%g+", None, b"2 3"),
    (b" x~\x7f", b"%G+", Some(2), b"4 4"),
    (b"abc", b"%A", None, b"nil"),
    (b"a.b", b"%.", None, b"2 2"),
    (b"a.b", b".", None, b"1 1"),
    (b"a%b", b"%%", None, b"2 2"),
    (b"a\x00b", b"%z", None, b"2 2"),
    (b"a\x00b", b"%Z+", None, b"1 1"),
    (b"a\x00b", b"\x00", None, b"2 2"),
    (b"a\x00b", b"[\x00]", None, b"2 2"),
    (b"a\x00b\x00", b"b%z$", None, b"3 4"),
    (b"\xc8\xc9a", b"[\x80-\xff]+", None, b"1 2"),
    (b"\xc8\xc9a", b"%a", None, b"3 3"),
    (b"\xc8\xc9a", b"%W+", None, b"1 2"),
    (b"hello", b"[aeiou]", None, b"2 2"),
    (b"hello", b"[^aeiou]+", None, b"1 1"),
    (b"hello", b"[a-f]+", None, b"2 2"),
    (b"hello-x", b"[a-]+", Some(5), b"6 6"),
    (b"hello-x", b"[-a]", Some(2), b"6 6"),
    (b"x]y", b"[]]", None, b"2 2"),
    (b"x]y", b"[^]]+", None, b"1 1"),
    (b"x]y", b"[%]]", None, b"2 2"),
    (b"x^y", b"[%^]", None, b"2 2"),
    (b"x^y", b"[x^]+", None, b"1 2"),
    (b"x^y", b"[^^]+", Some(2), b"3 3"),
    (b"a-z", b"[z-a]", None, b"nil"),
    (b"a-z", b"[%a-]+", None, b"1 3"),
    (b"a1-", b"[%d%-]+", None, b"2 3"),
    (b"A1b", b"[^%l]+", None, b"1 2"),
    (b"a.b", b"[.]", None, b"2 2"),
    (b"xa%b", b"[%%b]+", None, b"3 4"),
    (b"aaab", b"a-b", None, b"1 4"),
    (b"aaab", b"a-", None, b"1 0"),
    (b"aaab", b"a*", None, b"1 3"),
    (b"aaab", b"a+", None, b"1 3"),
    (b"aaab", b"a?", None, b"1 1"),
    (b"aaab", b"a?b", None, b"3 4"),
    (b"b", b"a?b", None, b"1 1"),
    (b"aaab", b"^a-$", None, b"nil"),
    (b"aaab", b"(a-)(a*)", None, b"1 3 '' 'aaa'"),
    (b"aaab", b"(a+)(a+)", None, b"1 3 'aa' 'a'"),
    (b"aaab", b"(a*)(a-)b", None, b"1 4 'aaa' ''"),
    (b"xaaay", b"a-y", None, b"2 5"),
    (b"[[x]] [[y]]", b"%[%[(.-)%]%]", None, b"1 5 'x'"),
    (b"[[x]] [[y]]", b"%[%[(.*)%]%]", None, b"1 11 'x]] [[y'"),
    (b"x = \"a\\\"b\"", b"([\"'])(.-)%1", None, b"5 8 '\"' 'a\\'"),
    (b"abcabc", b"(abc)%1", None, b"1 6 'abc'"),
    (b"abcab", b"(abc)%1", None, b"nil"),
    (b"aXbXc", b"(X).-%1", None, b"2 4 'X'"),
    (b"aa", b"()a%1", None, b"nil"),
    (b"f(a(b)c)d", b"%b()", None, b"2 8"),
    (b"f(a(b)c", b"%b()", None, b"4 6"),
    (b"f(a(b)c", b"%b()", Some(3), b"4 6"),
    (b"if x then y end end", b"%bie", None, b"1 8"),
    (b"((x)", b"%b()", None, b"2 4"),
    (b"abc", b"%baa", None, b"nil"),
    (b"aXaYa", b"%baa", None, b"1 3"),
    (b"THE (quick) fox", b"%f[%a]%a+", None, b"1 3"),
    (b"THE (quick) fox", b"%f[%a]%a+", Some(5), b"6 10"),
    (b"THE (quick) fox", b"%f[%A]", None, b"4 3"),
    (b"THE (quick) fox", b"%f[%a]", Some(15), b"nil"),
    (b"hello", b"%f[%z]", None, b"6 5"),
    (b"hello", b"%f[^%w]", None, b"6 5"),
    (b"hello", b"%f[%w]", None, b"1 0"),
    (b"a b", b"%f[%s]", None, b"2 1"),
    (b"key=val", b"(%w+)=(%w*)", None, b"1 7 'key' 'val'"),
    (b"key=", b"(%w+)=(%w*)", None, b"1 4 'key' ''"),
    (b"abc", b"((a)(b))", None, b"1 2 'ab' 'a' 'b'"),
    (b"abc", b"(a(b(c)))", None, b"1 3 'abc' 'bc' 'c'"),
    (b"abc", b"a()b()c()", None, b"1 3 2 3 4"),
    (b"abc", b"(a)()", None, b"1 1 'a' 2"),
    (b"abc", b"%", None, b"error: malformed pattern (ends with '%')"),
    (b"abc", b"[a", None, b"error: malformed pattern (missing ']')"),
    (b"abc", b"[a%", None, b"error: malformed pattern (missing ']')"),
    (b"abc", b"[^", None, b"error: malformed pattern (missing ']')"),
    (b"abc", b"[", None, b"error: malformed pattern (missing ']')"),
    (b"abc", b"[]", None, b"error: malformed pattern (missing ']')"),
    (b"abc", b"%f", None, b"error: missing '[' after '%f' in pattern"),
    (b"abc", b"%fa", None, b"error: missing '[' after '%f' in pattern"),
    (b"abc", b"%b", None, b"error: malformed pattern (missing arguments to '%b')"),
    (b"abc", b"%ba", None, b"error: malformed pattern (missing arguments to '%b')"),
    (b"abc", b"(a)%2", None, b"error: invalid capture index %2"),
    (b"abc", b"(a%1)", None, b"error: invalid capture index %1"),
    (b"abc", b"%0", None, b"error: invalid capture index %0"),
    (b"abc", b"a)", None, b"nil"),
    (b"abc", b"(a", None, b"error: unfinished capture"),
    (b"abc", b"x(", None, b"nil"),
    (b"b", b"a[", None, b"nil"),
    (b"", b"a[", None, b"nil"),
    (b"b", b"b[", None, b"error: malformed pattern (missing ']')"),
    (b"abc", b"c%", None, b"error: malformed pattern (ends with '%')"),
    (b"abc", b"a%", None, b"error: malformed pattern (ends with '%')"),
    (b"abc", b"(()", None, b"error: unfinished capture"),
    (b"abc", b"a%9", None, b"error: invalid capture index %9"),
    (b"abc", b"(((((((((((((((((((((((((((((((((a)))))))))))))))))))))))))))))))))", None, b"error: too many captures"),
    (b"hello world from lua", b"(%w+) (%w+)", Some(7), b"7 16 'world' 'from'"),
    (b"x", b"x", Some(3), b"nil"),
    (b"hello", b"l", Some(-2), b"4 4"),
    (b"date: 2024-01-15.", b"(%d+)-(%d+)-(%d+)", None, b"7 16 '2024' '01' '15'"),
    ];

    #[test]
    fn find_matches_lua() {
        for &(subject, pattern, init, expected) in FIND_CASES {
            let got = lua_find(subject, pattern, init);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected),
                "string.find({subject:?}, {:?}, {init:?})",
                String::from_utf8_lossy(pattern)
            );
        }
    }

    /// `find_with` (which skips the starts where the first item fails) gives what the
    /// plain scan of `find` gives: the same span and captures, or the same error.
    #[test]
    fn find_with_agrees_with_find() {
        let mut cases: Vec<(&[u8], &[u8], Option<i64>)> = FIND_CASES
            .iter()
            .map(|&(subject, pattern, init, _)| (subject, pattern, init))
            .collect();
        let extra: &[(&[u8], &[u8])] = &[
            (b"  ,  x", b"^[ \n\r\t]*,[ \n\r\t]*()"),
            (b"ab\"c\\d", b"[\x00-\x1f\"\\]"),
            (b"plain text", b"[\x00-\x1f\"\\]"),
            (b"x = 12.5e3,", b"^([0-9]+%.?[0-9]*)([-+.A-Za-z]?)"),
            (b"x = 12.5e3,", b"([0-9]+%.?[0-9]*)([-+.A-Za-z]?)"),
            (b"aaab", b"a+b"),
            (b"aaab", b"%a%d"),
            (b"xyz", b"$"),
            (b"xyz$", b"$"),
            (b"a$b", b"$b"),
            (b"", b"a"),
            (b"", b"[a]+"),
            (b"abc", b"c"),
            (b"abc", b"^c"),
            (b"abc", b"[%a"),
        ];
        cases.extend(extra.iter().map(|&(s, p)| (s, p, None)));
        for (subject, pattern, init) in cases {
            let init = lua_init(init, subject.len());
            let plain = find(subject, pattern, init)
                .map(|m| m.map(|m| (m.start, m.end, m.captures().map_err(|e| e.to_string()))));
            let with = find_with(subject, pattern, init, |start, end, caps| {
                let caps: Result<Vec<Capture>, String> = (0..caps.len())
                    .map(|i| caps.get(i).map_err(|e| e.to_string()))
                    .collect();
                (start, end, caps)
            });
            assert_eq!(
                with,
                plain,
                "{:?} {:?} at {init}",
                String::from_utf8_lossy(subject),
                String::from_utf8_lossy(pattern)
            );
        }
    }

    #[rustfmt::skip]
    const GMATCH_CASES: &[SearchCase] = &[
    (b"hello world from lua", b"%a+", None, b"['hello' nil]['world' nil]['from' nil]['lua' nil]"),
    (b"k=v, x=y", b"(%w+)=(%w+)", None, b"['k' 'v']['x' 'y']"),
    (b"abc", b"()", None, b"[1 nil][2 nil][3 nil][4 nil]"),
    (b"abc", b"", None, b"['' nil]['' nil]['' nil]['' nil]"),
    (b"abc", b"b*", None, b"['' nil]['b' nil]['' nil]"),
    (b"abc", b"x*", None, b"['' nil]['' nil]['' nil]['' nil]"),
    (b"abcabc", b"b", Some(3), b"['b' nil]"),
    (b"abcabc", b"()b", Some(-2), b"[5 nil]"),
    (b"abcabc", b"()b", Some(100), b""),
    (b"abcabc", b"()b", Some(7), b""),
    (b"^a^a", b"^a", None, b"['^a' nil]['^a' nil]"),
    (b"aaa", b"^a", None, b""),
    (b"aaa", b"a-", None, b"['' nil]['' nil]['' nil]['' nil]"),
    (b"aaa", b"a*", None, b"['aaa' nil]"),
    (b"one two  three", b"%S*", None, b"['one' nil]['two' nil]['' nil]['three' nil]"),
    (b"a,b,,c", b"([^,]*)", None, b"['a' nil]['b' nil]['' nil]['c' nil]"),
    (b"THE (quick) fox", b"%f[%a]%a+", None, b"['THE' nil]['quick' nil]['fox' nil]"),
    (b"abc", b"(a", None, b"error: unfinished capture"),
    (b"abc", b"%", None, b"error: malformed pattern (ends with '%')"),
    (b"", b".*", None, b"['' nil]"),
    (b"", b"x", None, b""),
    (b"xyz", b"()", Some(0), b"[1 nil][2 nil][3 nil][4 nil]"),
    (b"xyz", b".", Some(-1), b"['z' nil]"),
    (b"xyz", b".", Some(-10), b"['x' nil]['y' nil]['z' nil]"),
    ];

    #[test]
    fn gmatch_matches_lua() {
        for &(subject, pattern, init, expected) in GMATCH_CASES {
            let got = lua_gmatch(subject, pattern, init);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected),
                "string.gmatch({:?}, {:?}, {init:?})",
                String::from_utf8_lossy(subject),
                String::from_utf8_lossy(pattern)
            );
        }
    }

    #[rustfmt::skip]
    const GSUB_CASES: &[GsubCase] = &[
    (b"hello world", b"o", b"0", None, b"'hell0 w0rld' 2"),
    (b"hello world", b"o*", b"x", None, b"'xhxexlxlx xwxrxlxdx' 10"),
    (b"abc", b"", b"-", None, b"'-a-b-c-' 4"),
    (b"abc", b"^", b"-", None, b"'-abc' 1"),
    (b"abc", b"$", b"-", None, b"'abc-' 1"),
    (b"abc", b"b*", b"-", None, b"'-a-c-' 3"),
    (b"abc", b"^a*", b"-", None, b"'-bc' 1"),
    (b"aaa", b"^a", b"-", None, b"'-aa' 1"),
    (b"hello world", b"(%w+)", b"<%1>", None, b"'<hello> <world>' 2"),
    (b"hello world", b"%w+", b"%0 %0", None, b"'hello hello world world' 2"),
    (b"hello world", b"(%w+) (%w+)", b"%2 %1", None, b"'world hello' 1"),
    (b"abc", b"%w", b"%%", None, b"'%%%' 3"),
    (b"abc", b"%w", b"%1", None, b"'abc' 3"),
    (b"abc", b"%w", b"%2", None, b"error: invalid capture index %2"),
    (b"abc", b"(%w)", b"%2", None, b"error: invalid capture index %2"),
    (b"abc", b"a", b"%x", None, b"error: invalid use of '%' in replacement string"),
    (b"abc", b"a", b"%", None, b"error: invalid use of '%' in replacement string"),
    (b"abc", b"a", b"x%", None, b"error: invalid use of '%' in replacement string"),
    (b"abc", b"(a", b"x", None, b"'xbc' 1"),
    (b"abc", b"(a", b"%1", None, b"error: unfinished capture"),
    (b"abc", b"(a", b"%0", None, b"'abc' 1"),
    (b"abc", b"()a", b"%1%0", None, b"'1abc' 1"),
    (b"abc", b"a()", b"[%1]", None, b"'[2]bc' 1"),
    (b"hello", b"l", b"L", Some(1), b"'heLlo' 1"),
    (b"hello", b"l", b"L", Some(0), b"'hello' 0"),
    (b"hello", b"l", b"L", Some(-1), b"'hello' 0"),
    (b"hello", b"", b"-", Some(2), b"'-h-ello' 2"),
    (b"abc", b".-", b"-", None, b"'-a-b-c-' 4"),
    (b"a,b,,c", b"[^,]*", b"X", None, b"'X,X,X,X' 4"),
    (b"one  two", b"%s*", b"_", None, b"'_o_n_e_t_w_o_' 7"),
    (b"x", b"x", b"%0%0%0", None, b"'xxx' 1"),
    (b"abc", b"%f[%w]", b"^", None, b"'^abc' 1"),
    (b"abc", b"a\x00", b"z", None, b"'abc' 0"),
    (b"a\x00b", b"%z", b"Z", None, b"'aZb' 1"),
    (b"a.b", b".", b"%%.", None, b"'%.%.%.' 3"),
    (b"hello", b"[", b"x", None, b"error: malformed pattern (missing ']')"),
    (b"hello", b"xyz", b"%", None, b"'hello' 0"),
    (b"", b"", b"e", None, b"'e' 1"),
    (b"", b"x*", b"e", None, b"'e' 1"),
    (b"abc", b"%w", b"%9", None, b"error: invalid capture index %9"),
    (b"abc", b"(%w)()", b"%2", None, b"'234' 3"),
    (b"abc", b"%w", b"%", None, b"error: invalid use of '%' in replacement string"),
    ];

    #[test]
    fn gsub_matches_lua() {
        for &(subject, pattern, repl, max, expected) in GSUB_CASES {
            let got = lua_gsub(subject, pattern, repl, max);
            assert_eq!(
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(expected),
                "string.gsub({:?}, {:?}, {:?}, {max:?})",
                String::from_utf8_lossy(subject),
                String::from_utf8_lossy(pattern),
                String::from_utf8_lossy(repl)
            );
        }
    }

    fn find_span(subject: &[u8], pattern: &[u8]) -> Result<Option<(usize, usize)>, PatternError> {
        Ok(find(subject, pattern, 0)?.map(|m| (m.start, m.end)))
    }

    // Limits observed with lua5.4: 199 recursive items fit in MAXCCALLS, 200 do not.
    #[test]
    fn recursion_depth_limit_matches_lua() {
        let a300 = vec![b'a'; 300];
        let rep = |item: &str, n: usize| item.repeat(n).into_bytes();
        assert_eq!(find_span(&a300, &rep("a?", 199)), Ok(Some((0, 199))));
        assert_eq!(
            find_span(&a300, &rep("a?", 200)),
            Err(PatternError::TooComplex)
        );
        assert_eq!(
            find_span(&a300, &rep("a?", 300)),
            Err(PatternError::TooComplex)
        );
        let mut lazy = rep("a-", 199);
        lazy.push(b'$');
        assert_eq!(find_span(&a300, &lazy), Ok(Some((0, 300))));
        let mut lazy = rep("a-", 200);
        lazy.push(b'$');
        assert_eq!(find_span(&a300, &lazy), Err(PatternError::TooComplex));
        // Greedy items that end up matching nothing do not nest.
        assert_eq!(find_span(&a300, &rep("a*", 300)), Ok(Some((0, 300))));
    }

    #[test]
    fn long_subjects_do_not_recurse() {
        // Single items, `*` and `-` loops iterate: a 1 MB subject is fine.
        let big = vec![b'x'; 1 << 20];
        assert_eq!(find_span(&big, b".-$"), Ok(Some((0, big.len()))));
        assert_eq!(find_span(&big, b"^x*$"), Ok(Some((0, big.len()))));
        assert_eq!(find_span(&big, b"^(x+)y"), Ok(None));
        let mut balanced = vec![b'('; 100_000];
        balanced.extend(vec![b')'; 100_000]);
        assert_eq!(find_span(&balanced, b"%b()"), Ok(Some((0, 200_000))));
    }

    #[test]
    fn capture_limits_match_lua() {
        let abc = b"abc";
        let m = find(abc, &b"()".repeat(32), 0).unwrap().unwrap();
        assert_eq!(m.captures().unwrap(), vec![Capture::Position(0); 32]);
        assert_eq!(
            find(abc, &b"()".repeat(33), 0),
            Err(PatternError::TooManyCaptures)
        );
        let nested = format!("{}a{}", "(".repeat(32), ")".repeat(32));
        let m = find(b"a", nested.as_bytes(), 0).unwrap().unwrap();
        assert_eq!(m.captures().unwrap(), vec![Capture::Span(0, 1); 32]);
        let nested = format!("{}a{}", "(".repeat(33), ")".repeat(33));
        assert_eq!(
            find(b"a", nested.as_bytes(), 0),
            Err(PatternError::TooManyCaptures)
        );
        let m = find(&[b'a'; 40], &b"(a)".repeat(32), 0).unwrap().unwrap();
        assert_eq!(m.capture_count(), 32);
        assert_eq!(m.capture(31), Ok(Capture::Span(31, 32)));
    }

    #[test]
    fn step_budget_stops_exponential_backtracking() {
        // Exponential in the number of `a*` items: would run for ages unbounded.
        let subject = vec![b'a'; 40];
        let mut pattern = b"a*".repeat(40);
        pattern.push(b'b');
        assert_eq!(
            find_limited(&subject, &pattern, 0, 1_000_000),
            Err(PatternError::TooComplex)
        );
        // The same budget is plenty for ordinary work.
        assert_eq!(
            find_limited(b"key = value", b"(%w+)%s*=%s*(%w+)", 0, 1_000_000)
                .map(|m| m.map(|m| m.end)),
            Ok(Some(11))
        );
        let mut iter = MatchIter::gmatch(0);
        iter.step_limit = 1_000;
        assert_eq!(iter.next(&subject, &pattern), Err(PatternError::TooComplex));
    }

    #[test]
    fn match_accessors() {
        let m = find(b"key=val", b"(%w+)=()", 0).unwrap().unwrap();
        assert_eq!((m.start, m.end), (0, 4));
        assert_eq!(
            m.values(),
            Ok(vec![Capture::Span(0, 3), Capture::Position(4)])
        );
        assert_eq!(m.first_value(), Ok(Capture::Span(0, 3)));
        assert_eq!(m.capture(2), Err(PatternError::InvalidCaptureIndex(3)));
        let m = find(b"xab", b"ab", 0).unwrap().unwrap();
        assert_eq!(m.captures(), Ok(vec![]));
        assert_eq!(m.values(), Ok(vec![Capture::Span(1, 3)]));
        assert_eq!(m.first_value(), Ok(Capture::Span(1, 3)));
        let m = find(b"abc", b"(a", 0).unwrap().unwrap();
        assert_eq!(m.first_value(), Err(PatternError::UnfinishedCapture));
        assert_eq!(m.values(), Err(PatternError::UnfinishedCapture));
    }

    #[test]
    fn match_at_is_anchored_and_literal_caret() {
        let at = |s: &[u8], p: &[u8], i| match_at(s, p, i).map(|m| m.map(|m| (m.start, m.end)));
        assert_eq!(at(b"hello", b"l+", 2), Ok(Some((2, 4))));
        assert_eq!(at(b"hello", b"l+", 1), Ok(None));
        assert_eq!(at(b"a^b", b"^b", 1), Ok(Some((1, 3))));
        assert_eq!(at(b"ab", b"", 2), Ok(Some((2, 2))));
        assert_eq!(at(b"ab", b"", 3), Ok(None));
    }

    #[test]
    fn gsub_iteration_by_hand() {
        // What the glue does for a function replacement: copy the gaps itself.
        let subject = b"a1b22c";
        let pattern = b"%d+";
        let mut iter = MatchIter::gsub(pattern);
        let mut spans = Vec::new();
        while let Some(m) = iter.next(subject, pattern).unwrap() {
            spans.push((m.start, m.end));
        }
        assert_eq!(spans, vec![(1, 2), (3, 5)]);
        assert_eq!(iter.next(subject, pattern), Ok(None));
        // An anchored gsub pattern tries only at the start.
        let mut iter = MatchIter::gsub(b"^%d");
        assert_eq!(iter.next(b"x1", b"^%d"), Ok(None));
        assert_eq!(iter.next(b"x1", b"^%d"), Ok(None));
    }

    #[test]
    fn plain_detection_and_search() {
        assert!(is_plain(b"hello world"));
        assert!(is_plain(b"a)b]c"));
        assert!(is_plain(b""));
        for special in [
            &b"a.b"[..],
            b"%",
            b"^a",
            b"a$",
            b"a*",
            b"a+",
            b"a?",
            b"(",
            b"[",
            b"a-b",
        ] {
            assert!(!is_plain(special), "{special:?}");
        }
        assert_eq!(find_plain(b"abcabc", b"ca", 0), Some(2));
        assert_eq!(find_plain(b"abcabc", b"abc", 1), Some(3));
        assert_eq!(find_plain(b"abcabc", b"abd", 0), None);
        assert_eq!(find_plain(b"abc", b"", 3), Some(3));
        assert_eq!(find_plain(b"abc", b"", 4), None);
        assert_eq!(find_plain(b"ab", b"abc", 0), None);
        assert_eq!(find_plain(b"aab", b"ab", 0), Some(1));
    }

    #[test]
    fn error_messages() {
        let cases = [
            (
                PatternError::EndsWithPercent,
                "malformed pattern (ends with '%')",
            ),
            (
                PatternError::MissingBracket,
                "malformed pattern (missing ']')",
            ),
            (
                PatternError::MissingBalanceArguments,
                "malformed pattern (missing arguments to '%b')",
            ),
            (
                PatternError::MissingFrontierBracket,
                "missing '[' after '%f' in pattern",
            ),
            (
                PatternError::InvalidCaptureIndex(3),
                "invalid capture index %3",
            ),
            (
                PatternError::InvalidPatternCapture,
                "invalid pattern capture",
            ),
            (PatternError::UnfinishedCapture, "unfinished capture"),
            (PatternError::TooManyCaptures, "too many captures"),
            (PatternError::TooComplex, "pattern too complex"),
            (
                PatternError::InvalidReplacementEscape,
                "invalid use of '%' in replacement string",
            ),
        ];
        for (error, message) in cases {
            assert_eq!(error.to_string(), message);
        }
    }
}
