//! A fast path for the features nearly every file is made of: an object with `type`, `id`,
//! `properties` (scalar values) and a `Point` geometry with plain decimal coordinates, with no
//! escapes, exponents or nesting. Such a feature is read here in one pass, with exactly the
//! values serde_json gives; anything else (or anything malformed) is declined untouched and
//! goes through the serde visitors, which also report every error.

use std::borrow::Cow;

use super::geojson::{FeatureMembers, FeatureSink, RawGeometry, State};
use super::layer::Scalar;

/// Wanted properties read: the sink's slot, the key and the value.
type Properties<'a, Slot> = Vec<(Slot, &'a str, Option<Scalar>)>;

/// What the fast path read of one feature; nothing reaches the sink until it is all read.
struct Fast<'a, Slot> {
    kind: Option<&'a str>,
    id: Option<Option<Scalar>>,
    /// `Some` when a `properties` member was there (`null` gives an empty list).
    properties: Option<Properties<'a, Slot>>,
    /// `Some(None)` for `"geometry": null`; else a Point's raw coordinates.
    geometry: Option<Option<&'a str>>,
}

/// Reads the feature `t` (one element of the features array) into `state` and returns true;
/// false, with `state` untouched, when the feature is not of the plain layout.
pub(super) fn feature<S: FeatureSink>(t: &[u8], state: &mut State<'_, S>) -> bool {
    // The feature's text checked as UTF-8 at once (its strings then need no check of their
    // own); text that is not is read string by string, as serde would.
    let s = std::str::from_utf8(t).unwrap_or_default();
    match (Cursor { t, s, p: 0 }).feature(&state.sink) {
        Some((fast, len)) if len == t.len() => {
            read(fast, state);
            true
        }
        _ => false,
    }
}

/// [`feature`] for the feature at the start of `t` (more may follow): the length it took
/// (its whitespace after included), `None` with `state` untouched when it is not plain.
/// `s` is a prefix of `t` already checked as UTF-8 (strings within it are not checked again).
pub(super) fn feature_at<S: FeatureSink>(
    t: &[u8],
    s: &str,
    state: &mut State<'_, S>,
) -> Option<usize> {
    debug_assert!(t.starts_with(s.as_bytes()), "s is a prefix of t");
    let (fast, len) = (Cursor { t, s, p: 0 }).feature(&state.sink)?;
    read(fast, state);
    Some(len)
}

/// Hands a plain feature to `state`.
fn read<S: FeatureSink>(fast: Fast<'_, S::Slot>, state: &mut State<'_, S>) {
    state.count += 1;
    state.sink.begin_feature();
    if let Some(properties) = fast.properties {
        state.sink.begin_properties();
        for (slot, key, value) in properties {
            state.sink.property(slot, key, value);
        }
    }
    let members = FeatureMembers {
        kind: fast.kind.map(Cow::Borrowed),
        id: fast.id.flatten(),
        geometry: fast.geometry.map(|g| {
            g.map(|coordinates| RawGeometry {
                kind: Some(Cow::Borrowed("Point")),
                coordinates: Some(coordinates),
            })
        }),
    };
    if let Err(e) = state.finish_feature(members) {
        state.error = Some(e);
    }
}

struct Cursor<'a> {
    t: &'a [u8],
    /// A prefix of `t` known to be UTF-8.
    s: &'a str,
    p: usize,
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        while matches!(self.t.get(self.p), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.p += 1;
        }
    }

    /// Skips whitespace, then expects `c`.
    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.t.get(self.p) == Some(&c)).then(|| self.p += 1)
    }

    /// Skips whitespace and says whether the next byte is `c` (without taking it).
    fn peek_is(&mut self, c: u8) -> bool {
        self.ws();
        self.t.get(self.p) == Some(&c)
    }

    /// The feature object at the cursor and where it ends (whitespace after it included).
    fn feature<S: FeatureSink>(mut self, sink: &S) -> Option<(Fast<'a, S::Slot>, usize)> {
        let mut fast = Fast {
            kind: None,
            id: None,
            properties: None,
            geometry: None,
        };
        self.members(|c, key| {
            match key {
                "type" if fast.kind.is_none() => fast.kind = Some(c.string()?),
                "id" if fast.id.is_none() => fast.id = Some(c.scalar()?),
                "properties" if fast.properties.is_none() => {
                    fast.properties = Some(c.properties(sink)?);
                }
                "geometry" if fast.geometry.is_none() => fast.geometry = Some(c.geometry()?),
                _ => return None,
            }
            Some(())
        })?;
        self.ws();
        Some((fast, self.p))
    }

    /// An object: `member` reads each value after its key (and may decline).
    fn members(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek_is(b'}') {
            self.p += 1;
            return Some(());
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.eat(b':')?;
            self.ws();
            member(self, key)?;
            self.ws();
            match self.t.get(self.p)? {
                b',' => self.p += 1,
                b'}' => {
                    self.p += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn properties<S: FeatureSink>(&mut self, sink: &S) -> Option<Properties<'a, S::Slot>> {
        let mut out = Vec::new();
        if self.literal(b"null") {
            return Some(out);
        }
        let mut seen: Vec<&str> = Vec::new();
        self.members(|c, key| {
            // A repeated key: serde would see both; leave it to serde.
            if seen.contains(&key) {
                return None;
            }
            seen.push(key);
            match sink.wants(key) {
                Some(slot) => out.push((slot, key, c.scalar()?)),
                None => c.skip_scalar()?,
            }
            Some(())
        })?;
        Some(out)
    }

    /// `null`, or an object with `type` and `coordinates` (a `Point` with plain decimals):
    /// the coordinates' text.
    fn geometry(&mut self) -> Option<Option<&'a str>> {
        if self.literal(b"null") {
            return Some(None);
        }
        let (mut kind, mut coordinates) = (None, None);
        self.members(|c, key| {
            match key {
                "type" if kind.is_none() => kind = Some(c.string()?),
                "coordinates" if coordinates.is_none() => {
                    let start = c.p;
                    c.plain_position()?;
                    coordinates = Some(c.text(start, c.p)?);
                }
                _ => return None,
            }
            Some(())
        })?;
        (kind? == "Point").then_some(Some(coordinates?))
    }

    /// `[x, y]`, both plain decimals.
    fn plain_position(&mut self) -> Option<()> {
        self.eat(b'[')?;
        self.ws();
        self.number()?;
        self.eat(b',')?;
        self.ws();
        self.number()?;
        self.eat(b']')
    }

    /// Takes `word` when it comes next.
    fn literal(&mut self, word: &[u8]) -> bool {
        self.ws();
        let found = self.t[self.p..].starts_with(word);
        if found {
            self.p += word.len();
        }
        found
    }

    /// A string's bytes, when it has no escapes or control characters.
    fn raw_string(&mut self) -> Option<&'a [u8]> {
        (self.t.get(self.p) == Some(&b'"')).then_some(())?;
        let start = self.p + 1;
        let len = self.t[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        (self.t[start + len] == b'"').then_some(())?;
        self.p = start + len + 1;
        Some(&self.t[start..start + len])
    }

    /// A string without escapes or control characters, valid UTF-8.
    fn string(&mut self) -> Option<&'a str> {
        let len = self.raw_string()?.len();
        self.text(self.p - 1 - len, self.p - 1)
    }

    /// `t[start..end]` as text: a slice of the checked prefix where it lies within it, else
    /// checked here.
    fn text(&self, start: usize, end: usize) -> Option<&'a str> {
        match self.s.get(start..end) {
            Some(text) => Some(text),
            None => std::str::from_utf8(&self.t[start..end]).ok(),
        }
    }

    /// A scalar as serde_json hands it to the property visitor.
    fn scalar(&mut self) -> Option<Option<Scalar>> {
        self.ws();
        match self.t.get(self.p)? {
            b'"' => Some(Some(Scalar::Text(self.string()?.to_owned()))),
            b't' if self.literal(b"true") => Some(Some(Scalar::Bool(true))),
            b'f' if self.literal(b"false") => Some(Some(Scalar::Bool(false))),
            b'n' if self.literal(b"null") => Some(None),
            _ => self.number().map(|x| Some(Scalar::Num(x))),
        }
    }

    /// A scalar skipped over (validated as [`Cursor::scalar`] would read it).
    fn skip_scalar(&mut self) -> Option<()> {
        self.ws();
        if self.t.get(self.p) == Some(&b'"') {
            // serde_json skips an unwanted string without checking its UTF-8.
            return self.raw_string().map(|_| ());
        }
        self.scalar().map(|_| ())
    }

    /// A number of at most 15 digits without exponent, valued exactly as serde_json values
    /// it: an integer exactly (`-0` is -0.0, as serde_json makes it), a decimal as its digits
    /// divided by a power of ten (one rounding: both are exact doubles).
    fn number(&mut self) -> Option<f64> {
        const POW10: [f64; 16] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
        ];
        let t = self.t;
        let negative = t.get(self.p) == Some(&b'-');
        let mut p = self.p + usize::from(negative);
        let (mut sig, mut digits) = (0u64, 0usize);
        let mut run = |p: &mut usize| {
            let start = *p;
            while let Some(d) = t.get(*p).filter(|c| c.is_ascii_digit()) {
                sig = sig * 10 + u64::from(d - b'0');
                digits += 1;
                *p += 1;
                if digits > 15 {
                    return None;
                }
            }
            Some(*p - start)
        };
        let int_start = p;
        let int_len = run(&mut p)?;
        if int_len == 0 || (int_len > 1 && t[int_start] == b'0') {
            return None;
        }
        let mut frac_len = 0;
        if t.get(p) == Some(&b'.') {
            p += 1;
            frac_len = run(&mut p)?;
            if frac_len == 0 {
                return None;
            }
        }
        if matches!(t.get(p), Some(b'e' | b'E' | b'.')) {
            return None;
        }
        self.p = p;
        let x = sig as f64 / POW10[frac_len];
        Some(if negative { -x } else { x })
    }
}
