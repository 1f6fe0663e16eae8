//! The one GeoJSON FeatureCollection reader: a structural scan, then serde visitors per feature
//! in parallel chunks (borrowed keys, no JSON tree), feeding a [`FeatureSink`] that keeps what
//! its layer needs (points for compounds and centres, lines for streets).

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use serde::Deserializer as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use super::layer::Scalar;
use crate::error::{Error, Result, clip, quoted};

/// What a layer keeps of each feature. The reader walks the collection, hands the sink the
/// wanted properties and the geometry of each feature in file order, and names the feature in
/// every error the sink reports. Parallel parsing gives each chunk of features its own
/// [`FeatureSink::fork`] (called from the worker threads, hence `Sync`) and joins them in
/// order with [`FeatureSink::append`].
pub(crate) trait FeatureSink: Send + Sync + Sized {
    /// A wanted property, as the sink tells it apart.
    type Slot: Copy;
    /// Ends "not a GeoJSON FeatureCollection (top-level type is …); ": what to give instead.
    const COLLECTION_HINT: &'static str;
    /// Appended to "feature has no geometry" ("" or "; a street needs a LineString").
    const GEOMETRY_HINT: &'static str;

    /// An empty sink with the same options, for another chunk of features.
    fn fork(&self) -> Self;
    /// Appends the features of the chunk that follows this one in the file.
    fn append(&mut self, later: Self);
    /// Appends every chunk, in order (a sink may join its columns at once).
    fn append_all(&mut self, parts: Vec<Self>) {
        for part in parts {
            self.append(part);
        }
    }
    /// Room for `features` more features, before the chunks are appended.
    fn reserve(&mut self, features: usize);
    /// Renumbers what the sink kept from feature numbers (ids made from them) for a chunk
    /// read as if it began the file, once it is known to follow `before` features.
    fn renumber(&mut self, _before: usize) {}
    /// A new feature starts.
    fn begin_feature(&mut self);
    /// A `properties` member of the current feature starts.
    fn begin_properties(&mut self);
    /// Whether the property `key` is wanted; unwanted values are skipped unparsed.
    fn wants(&self, key: &str) -> Option<Self::Slot>;
    /// A wanted property of the current feature (`None` for null, an object or an array).
    fn property(&mut self, slot: Self::Slot, key: &str, value: Option<Scalar>);
    /// The id the current feature's properties give, if any (it wins over the `id` member).
    fn take_properties_id(&mut self) -> Option<String>;
    /// Keeps the current feature, the `n`-th of the file. The sink takes `id` when it keeps
    /// the feature; on an error the reader names the feature with it.
    fn feature(
        &mut self,
        n: usize,
        id: &mut Option<String>,
        geometry: &RawGeometry,
    ) -> std::result::Result<(), FeatureError>;
}

/// What is wrong with one feature; the reader adds the file and the feature's name.
pub(crate) enum FeatureError {
    /// Becomes [`Error::Item`].
    Item(String),
    /// Becomes [`Error::BadCoordinate`].
    Coordinate {
        /// The longitude given.
        lon: f64,
        /// The latitude given.
        lat: f64,
        /// Why it is refused.
        message: String,
    },
}

impl From<String> for FeatureError {
    fn from(message: String) -> Self {
        FeatureError::Item(message)
    }
}

/// A FeatureCollection read into a sink.
pub(crate) struct Collection<S> {
    /// The sink holding every feature, in file order.
    pub(crate) sink: S,
    /// The name in the legacy `crs` member.
    pub(crate) crs: Option<String>,
}

/// Reads a GeoJSON FeatureCollection (a leading UTF-8 BOM is skipped) into `sink`, an empty
/// sink. Well-formed files are scanned once and their features parsed in parallel (a wrong
/// top-level `type` is then reported before any feature is parsed); anything the scan
/// declines goes through one sequential serde pass for a precise line and column.
pub(crate) fn read_features<S: FeatureSink>(
    path: &Path,
    bytes: &[u8],
    sink: S,
) -> Result<Collection<S>> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let sink = match read_fused(path, text, sink, PARALLEL_SCAN_BYTES, piece_count(text)) {
        Ok(collection) => return Ok(collection),
        Err(sink) => sink,
    };
    match scan_collection(text) {
        Some(scan) => read_parallel(path, text, scan, sink),
        None => read_sequential(path, text, sink),
    }
}

/// The parallel parse without the structural scan before it, for large collections of
/// well-formed features: the features array is cut at guessed element boundaries into
/// `pieces` (from `parallel_from` bytes on) and each piece parsed at once, the fast path
/// finding each feature's end as it reads it. The result stands only when every piece ended
/// exactly where the next began (the pieces then hold the features of one sequential read)
/// and no feature failed (ids made from feature numbers are renumbered once each piece's
/// first number is known); otherwise the sink is handed
/// back untouched for [`read_parallel`] or [`read_sequential`], which report any error.
fn read_fused<'p, S: FeatureSink>(
    path: &'p Path,
    text: &[u8],
    sink: S,
    parallel_from: usize,
    pieces: usize,
) -> std::result::Result<Collection<S>, S> {
    if text.len() < parallel_from || pieces < 2 {
        return Err(sink);
    }
    let mut parts: Option<Vec<State<'p, S>>> = None;
    let scan = scan_top(text, |t, p| {
        if parts.is_some() {
            return None;
        }
        let (read, end) = parse_pieces(path, t, p, &sink, (parallel_from, pieces))?;
        parts = Some(read);
        Some(end)
    });
    let (Some(scan), Some(parts)) = (scan, parts) else {
        return Err(sink);
    };
    if check_collection::<S>(path, scan.collection_type.as_deref(), true).is_err() {
        return Err(sink);
    }
    let mut sink = sink;
    sink.reserve(parts.iter().map(|s| s.count).sum());
    let mut before = 0;
    let sinks = (parts.into_iter())
        .map(|mut part| {
            part.sink.renumber(before);
            before += part.count;
            part.sink
        })
        .collect();
    sink.append_all(sinks);
    Ok(Collection {
        sink,
        crs: scan.crs,
    })
}

/// Parses the features array at `p` in pieces at once (see [`read_fused`]); each piece's
/// state and where the array ends, or `None` to leave the file to the two-pass read.
fn parse_pieces<'p, S: FeatureSink>(
    path: &'p Path,
    t: &[u8],
    p: usize,
    sink: &S,
    (parallel_from, pieces): (usize, usize),
) -> Option<(Vec<State<'p, S>>, usize)> {
    use rayon::prelude::*;
    if t.get(p) != Some(&b'[') {
        return None;
    }
    let p = skip_ws(t, p + 1);
    if t.len() - p < parallel_from || t.get(p) == Some(&b']') {
        return None;
    }
    let starts = piece_starts(t, p, pieces);
    let parts: Vec<Option<(State<S>, ElementsEnd)>> = (0..starts.len())
        .into_par_iter()
        .map(|k| {
            let (start, stop) = (starts[k], starts.get(k + 1).copied());
            let mut state = State::new(path, 0, sink.fork());
            // Sized once from the first feature's length (growing by doubling faults each
            // column in again).
            let upto = stop.unwrap_or(t.len());
            let guess = (upto - start) / (skip_value(t, start)? - start).max(1);
            state.sink.reserve(guess + guess / 4 + 16);
            // The piece's text checked as UTF-8 at once (up to the last character boundary
            // before `stop`; beyond it, and in a piece that is not UTF-8, string by string).
            let checked = match std::str::from_utf8(&t[start..upto]) {
                Ok(s) => s,
                Err(e) => std::str::from_utf8(&t[start..start + e.valid_up_to()])
                    .expect("valid up to there"),
            };
            let end = parse_elements(t, start, stop, checked, &mut state)?;
            state.error.is_none().then_some((state, end))
        })
        .collect();
    chained(parts, &starts)
}

/// The pieces' results in order and where the array ends, when every piece ended exactly
/// where the next one starts and the last one at the array's end; `None` otherwise.
fn chained<T>(parts: Vec<Option<(T, ElementsEnd)>>, starts: &[usize]) -> Option<(Vec<T>, usize)> {
    let last = parts.len() - 1;
    let mut array_end = None;
    let mut kept = Vec::with_capacity(parts.len());
    for (k, part) in parts.into_iter().enumerate() {
        let (part, end) = part?;
        match end {
            ElementsEnd::NextAt(q) if k < last && q == starts[k + 1] => {}
            ElementsEnd::ArrayEnd(e) if k == last => array_end = Some(e),
            _ => return None,
        }
        kept.push(part);
    }
    Some((kept, array_end?))
}

/// Reads the array elements from the one starting at `p` into `state`, as
/// [`scan_elements`] walks them (`checked`: the text from `p` on known to be UTF-8, as far as
/// it goes); `None` when a feature fails or the array is malformed.
fn parse_elements<S: FeatureSink>(
    t: &[u8],
    mut p: usize,
    stop: Option<usize>,
    checked: &str,
    state: &mut State<'_, S>,
) -> Option<ElementsEnd> {
    let start = p;
    loop {
        if stop.is_some_and(|s| p >= s) {
            return Some(ElementsEnd::NextAt(p));
        }
        // Elements start at `{` (or fail), a character boundary of the checked text.
        let s = checked.get(p - start..).unwrap_or_default();
        p = match super::geojson_fast::feature_at(&t[p..], s, state) {
            Some(len) => p + len,
            None => {
                let end = skip_value(t, p)?;
                let mut de = serde_json::Deserializer::from_slice(&t[p..end]);
                FeatureSeed(&mut *state).deserialize(&mut de).ok()?;
                end
            }
        };
        if state.error.is_some() {
            return None;
        }
        p = skip_ws(t, p);
        match t.get(p)? {
            b',' => p = skip_ws(t, p + 1),
            b']' => return Some(ElementsEnd::ArrayEnd(p + 1)),
            _ => return None,
        }
    }
}

/// The sequential reference parse alone (for tests comparing it with the parallel one).
#[cfg(test)]
pub(crate) fn read_features_sequential<S: FeatureSink>(
    path: &Path,
    bytes: &[u8],
    sink: S,
) -> Result<Collection<S>> {
    read_sequential(path, bytes, sink)
}

/// The parallel parse alone; `None` when the structural scan declines the file.
#[cfg(test)]
pub(crate) fn read_features_parallel<S: FeatureSink>(
    path: &Path,
    bytes: &[u8],
    sink: S,
) -> Option<Result<Collection<S>>> {
    scan_collection(bytes).map(|scan| read_parallel(path, bytes, scan, sink))
}

/// The parse without the structural scan alone, in `pieces` pieces whatever the size; the
/// sink back when it declines.
#[cfg(test)]
pub(crate) fn read_features_fused<S: FeatureSink>(
    path: &Path,
    bytes: &[u8],
    sink: S,
    pieces: usize,
) -> std::result::Result<Collection<S>, S> {
    read_fused(path, bytes, sink, 0, pieces)
}

/// Turns a serde_json error into [`Error::Json`] with line and column.
pub(crate) fn json_error(path: &Path, e: serde_json::Error) -> Error {
    Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: clip(e.to_string().split(" at line").next().unwrap_or("")).into_owned(),
    }
}

/// The reference path: one serde pass over the whole file (used when the fast structural
/// scan declines, so malformed files get serde's precise line and column).
fn read_sequential<S: FeatureSink>(path: &Path, text: &[u8], sink: S) -> Result<Collection<S>> {
    let mut state = State::new(path, 0, sink);
    let mut de = serde_json::Deserializer::from_slice(text);
    let parsed = (&mut de)
        .deserialize_any(TopVisitor(&mut state))
        .and_then(|_| de.end());
    if let Some(e) = state.error {
        return Err(e);
    }
    if let Err(e) = parsed {
        return Err(json_error(path, e));
    }
    check_collection::<S>(path, state.collection_type.as_deref(), state.saw_features)?;
    Ok(Collection {
        sink: state.sink,
        crs: state.crs,
    })
}

/// The top-level checks shared by both parsing paths.
fn check_collection<S: FeatureSink>(
    path: &Path,
    collection_type: Option<&str>,
    saw_features: bool,
) -> Result<()> {
    let message = match collection_type {
        Some("FeatureCollection") if saw_features => return Ok(()),
        Some("FeatureCollection") => "FeatureCollection has no \"features\" array".into(),
        Some(other) => format!(
            "not a GeoJSON FeatureCollection (top-level type is {}); {}",
            quoted(other),
            S::COLLECTION_HINT
        ),
        None => "not a GeoJSON FeatureCollection (no top-level \"type\")".into(),
    };
    Err(Error::Format {
        path: path.to_path_buf(),
        message,
    })
}

/// Features per parallel parsing task, at most.
const FEATURES_PER_TASK: usize = 4096;
/// Bytes of feature text per parallel parsing task, about: a street layer of a few thousand
/// long lines is split too, not parsed by one thread.
const BYTES_PER_TASK: usize = 256 << 10;

/// The features' spans cut into tasks of at most [`FEATURES_PER_TASK`] features and about
/// [`BYTES_PER_TASK`] bytes: each task's first feature index and its spans.
fn tasks(spans: &[(usize, usize)]) -> Vec<(usize, &[(usize, usize)])> {
    let mut out = Vec::new();
    let (mut first, mut bytes) = (0, 0);
    for (k, &(a, b)) in spans.iter().enumerate() {
        if k > first && (k - first == FEATURES_PER_TASK || bytes >= BYTES_PER_TASK) {
            out.push((first, &spans[first..k]));
            (first, bytes) = (k, 0);
        }
        bytes += b - a;
    }
    if first < spans.len() {
        out.push((first, &spans[first..]));
    }
    out
}

/// Parses the features found by [`scan_collection`] in parallel chunks and joins them in
/// order; the first error in file order wins, exactly as in a sequential parse.
fn read_parallel<S: FeatureSink>(
    path: &Path,
    text: &[u8],
    scan: Scan,
    sink: S,
) -> Result<Collection<S>> {
    use rayon::prelude::*;
    let parts: Vec<State<S>> = tasks(&scan.features)
        .into_par_iter()
        .map(|(first, spans)| {
            let mut state = State::new(path, first, sink.fork());
            // Sized once: growing by doubling faulted in (and copied) each column again.
            state.sink.reserve(spans.len());
            for &(a, b) in spans {
                if super::geojson_fast::feature(&text[a..b], &mut state) {
                    if state.error.is_some() {
                        break;
                    }
                    continue;
                }
                let mut de = serde_json::Deserializer::from_slice(&text[a..b]);
                if let Err(e) = FeatureSeed(&mut state).deserialize(&mut de) {
                    if state.error.is_none() {
                        state.error = Some(json_error_at(path, text, a, e));
                    }
                    break;
                }
            }
            state
        })
        .collect();
    let mut sink = sink;
    sink.reserve(scan.features.len());
    let mut sinks = Vec::with_capacity(parts.len());
    for part in parts {
        if let Some(e) = part.error {
            return Err(e);
        }
        sinks.push(part.sink);
    }
    // After the features, as the sequential parse checks it (a bad feature is named first).
    check_collection::<S>(path, scan.collection_type.as_deref(), true)?;
    sink.append_all(sinks);
    Ok(Collection {
        sink,
        crs: scan.crs,
    })
}

/// A serde error inside one feature, located in the whole file.
fn json_error_at(path: &Path, text: &[u8], offset: usize, e: serde_json::Error) -> Error {
    let before = &text[..offset];
    let lines_before = before.iter().filter(|&&b| b == b'\n').count();
    let col_before = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
    let (line, column) = if e.line() <= 1 {
        (lines_before + 1, col_before + e.column())
    } else {
        (lines_before + e.line(), e.column())
    };
    Error::Json {
        path: path.to_path_buf(),
        line,
        column,
        message: clip(e.to_string().split(" at line").next().unwrap_or("")).into_owned(),
    }
}

// ---------------------------------------------------------------------------------------------
// The structural scan

/// Where the features of a well-formed FeatureCollection lie.
struct Scan {
    collection_type: Option<String>,
    /// The name in the legacy `crs` member.
    crs: Option<String>,
    features: Vec<(usize, usize)>,
}

/// A fast structural pass over the top-level object: records the `type` value and the byte
/// span of every element of `features`, without parsing them. Returns `None` whenever the
/// file is not a plain object with a `features` array (or is malformed), and the caller falls
/// back to the sequential parser, which reports the precise error.
fn scan_collection(t: &[u8]) -> Option<Scan> {
    let mut features = Vec::new();
    let scan = scan_top(t, |t, p| scan_features(t, p, &mut features))?;
    Some(Scan { features, ..scan })
}

/// The walk of [`scan_collection`] over the top-level object, `features` reading the
/// features array at the position given (and returning where it ends); the spans are left
/// empty.
fn scan_top(t: &[u8], mut features: impl FnMut(&[u8], usize) -> Option<usize>) -> Option<Scan> {
    let mut p = skip_ws(t, 0);
    if t.get(p) != Some(&b'{') {
        return None;
    }
    p += 1;
    let mut scan = Scan {
        collection_type: None,
        crs: None,
        features: Vec::new(),
    };
    let mut saw_features = false;
    loop {
        p = skip_ws(t, p);
        match t.get(p)? {
            b'}' => {
                p += 1;
                break;
            }
            b'"' => {}
            _ => return None,
        }
        let key_end = skip_string(t, p)?;
        let key = &t[p + 1..key_end - 1];
        if key.contains(&b'\\') {
            // Escaped keys need real decoding: leave them to the full parser.
            return None;
        }
        p = skip_ws(t, key_end);
        if t.get(p) != Some(&b':') {
            return None;
        }
        p = skip_ws(t, p + 1);
        saw_features |= key == b"features";
        p = match key {
            b"features" => features(t, p)?,
            _ => scan_member(t, p, key, &mut scan)?,
        };
        p = skip_ws(t, p);
        match t.get(p)? {
            b',' if t.get(skip_ws(t, p + 1)) == Some(&b'}') => return None,
            b',' => p += 1,
            b'}' => {
                p += 1;
                break;
            }
            _ => return None,
        }
    }
    (skip_ws(t, p) == t.len() && saw_features).then_some(scan)
}

/// Scans the value of the top-level member `key` starting at `p`; returns where it ends.
fn scan_member(t: &[u8], p: usize, key: &[u8], scan: &mut Scan) -> Option<usize> {
    let end = skip_value(t, p)?;
    let value = &t[p..end];
    match key {
        b"type" => scan.collection_type = Some(serde_json::from_slice::<String>(value).ok()?),
        b"crs" => scan.crs = crs_name(serde_json::from_slice(value).ok()?),
        // Other top-level members are few and small: check them properly.
        _ => {
            serde_json::from_slice::<IgnoredAny>(value).ok()?;
        }
    }
    Some(end)
}

/// Arrays from this many bytes on are scanned in parallel pieces.
const PARALLEL_SCAN_BYTES: usize = 8 << 20;

/// Records the span of every element of the array at `p`; returns where the array ends.
/// Large arrays are scanned in pieces at once, each from a guessed element boundary; a
/// piece's guess counts only when the piece before it, scanning from a known boundary,
/// arrives exactly there, so the spans are those of one sequential scan (else it is done
/// sequentially).
/// Pieces are about [`SCAN_PIECE_BYTES`] long (at least two per thread), so that a thread
/// finishing early takes another piece instead of waiting on the last long one.
fn scan_features(t: &[u8], p: usize, features: &mut Vec<(usize, usize)>) -> Option<usize> {
    scan_features_in(t, p, features, PARALLEL_SCAN_BYTES, piece_count(t))
}

/// How many pieces a large array in `t` is cut into: about [`SCAN_PIECE_BYTES`] each, at
/// least two per thread.
fn piece_count(t: &[u8]) -> usize {
    (rayon::current_num_threads() * 2).max(t.len() / SCAN_PIECE_BYTES)
}

/// About how many bytes one piece of a parallel scan covers.
const SCAN_PIECE_BYTES: usize = 4 << 20;

/// [`scan_features`] with arrays of `parallel_from` bytes or more in `pieces` pieces.
fn scan_features_in(
    t: &[u8],
    p: usize,
    features: &mut Vec<(usize, usize)>,
    parallel_from: usize,
    pieces: usize,
) -> Option<usize> {
    if t.get(p) != Some(&b'[') {
        return None;
    }
    let p = skip_ws(t, p + 1);
    if t.get(p) == Some(&b']') {
        return Some(p + 1);
    }
    if t.len() - p >= parallel_from && pieces > 1 {
        let starts = piece_starts(t, p, pieces);
        if let Some(end) = scan_pieces(t, &starts, features) {
            return Some(end);
        }
        features.clear();
    }
    match scan_elements(t, p, None, features)? {
        ElementsEnd::ArrayEnd(end) => Some(end),
        ElementsEnd::NextAt(_) => None,
    }
}

/// Where `pieces` pieces of the array whose first element starts at `p` begin: `p`, then a
/// guessed element start after each step (ascending, fewer where guesses coincide).
fn piece_starts(t: &[u8], p: usize, pieces: usize) -> Vec<usize> {
    let step = (t.len() - p) / pieces;
    let mut starts = vec![p];
    for k in 1..pieces {
        if let Some(g) = guess_element_start(t, p + k * step)
            && g > *starts.last().expect("starts with p")
        {
            starts.push(g);
        }
    }
    starts
}

/// Scans the pieces of an array starting at `starts` at once; `None` unless every piece
/// ends exactly where the next one starts and the last one at the array's end.
fn scan_pieces(t: &[u8], starts: &[usize], features: &mut Vec<(usize, usize)>) -> Option<usize> {
    use rayon::prelude::*;
    let parts: Vec<Option<(Spans, ElementsEnd)>> = starts
        .par_iter()
        .enumerate()
        .map(|(k, &start)| {
            let mut spans = Vec::new();
            let end = scan_elements(t, start, starts.get(k + 1).copied(), &mut spans)?;
            Some((spans, end))
        })
        .collect();
    let (spans, end) = chained(parts, starts)?;
    features.extend(spans.into_iter().flatten());
    Some(end)
}

/// Byte spans of array elements.
type Spans = Vec<(usize, usize)>;

/// Where [`scan_elements`] stopped.
enum ElementsEnd {
    /// At the start of an element at or after the stop position.
    NextAt(usize),
    /// After the array's closing bracket.
    ArrayEnd(usize),
}

/// Records the spans of the array elements from the element starting at `p`, until the
/// array ends or an element starts at or after `stop`.
fn scan_elements(
    t: &[u8],
    mut p: usize,
    stop: Option<usize>,
    spans: &mut Vec<(usize, usize)>,
) -> Option<ElementsEnd> {
    loop {
        if stop.is_some_and(|s| p >= s) {
            return Some(ElementsEnd::NextAt(p));
        }
        let start = p;
        p = skip_value(t, p)?;
        spans.push((start, p));
        p = skip_ws(t, p);
        match t.get(p)? {
            b',' => p = skip_ws(t, p + 1),
            b']' => return Some(ElementsEnd::ArrayEnd(p + 1)),
            _ => return None,
        }
    }
}

/// The first `{` at or after `from` that follows `}` and `,` (whitespace aside): where an
/// array element of objects would start. Only a guess: the same bytes can sit in a string.
fn guess_element_start(t: &[u8], from: usize) -> Option<usize> {
    let before = |mut i: usize| {
        while i > 0 && matches!(t[i - 1], b' ' | b'\n' | b'\r' | b'\t') {
            i -= 1;
        }
        (i > 0).then(|| (i - 1, t[i - 1]))
    };
    (from.max(1)..t.len()).find(|&i| {
        t[i] == b'{' && matches!(before(i), Some((c, b',')) if matches!(before(c), Some((_, b'}'))))
    })
}

fn skip_ws(t: &[u8], mut p: usize) -> usize {
    while p < t.len() && matches!(t[p], b' ' | b'\n' | b'\r' | b'\t') {
        p += 1;
    }
    p
}

/// `t[p]` is a quote; returns the index after the closing quote.
fn skip_string(t: &[u8], mut p: usize) -> Option<usize> {
    p += 1;
    while p < t.len() {
        match t[p] {
            b'\\' => p += 2,
            b'"' => return Some(p + 1),
            _ => p += 1,
        }
    }
    None
}

/// Skips one JSON value starting at `p` (structure only; the parser checks the contents).
fn skip_value(t: &[u8], mut p: usize) -> Option<usize> {
    match *t.get(p)? {
        b'"' => skip_string(t, p),
        b'{' | b'[' => {
            let mut depth = 0usize;
            while p < t.len() {
                match t[p] {
                    b'"' => {
                        p = skip_string(t, p)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(p + 1);
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
            None
        }
        _ => {
            let start = p;
            while p < t.len() && !matches!(t[p], b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
            {
                p += 1;
            }
            (p > start).then_some(p)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The serde visitors

/// One parse (the whole file, or one chunk of features) feeding one sink.
pub(super) struct State<'p, S> {
    path: &'p Path,
    /// Features before this state's first one (parallel parsing splits the array).
    base: usize,
    /// Features begun in this state.
    pub(super) count: usize,
    pub(super) sink: S,
    pub(super) error: Option<Error>,
    collection_type: Option<String>,
    crs: Option<String>,
    saw_features: bool,
}

impl<'p, S> State<'p, S> {
    fn new(path: &'p Path, base: usize, sink: S) -> Self {
        State {
            path,
            base,
            count: 0,
            sink,
            error: None,
            collection_type: None,
            crs: None,
            saw_features: false,
        }
    }
}

struct TopVisitor<'a, 'p, S>(&'a mut State<'p, S>);

impl<'de, S: FeatureSink> Visitor<'de> for TopVisitor<'_, '_, S> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(StrSeed)? {
            match key.as_ref() {
                "type" => self.0.collection_type = Some(map.next_value::<String>()?),
                "crs" => self.0.crs = crs_name(map.next_value()?),
                "features" => {
                    self.0.saw_features = true;
                    map.next_value_seed(FeaturesSeed(&mut *self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        self.0.collection_type = Some("array".into());
        Ok(())
    }
}

/// A string (a map key, a type name), borrowed from the input when it has no escapes (no
/// allocation per key).
struct StrSeed;

impl<'de> DeserializeSeed<'de> for StrSeed {
    type Value = Cow<'de, str>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(StrSeed)
    }
}

impl<'de> Visitor<'de> for StrSeed {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }
}

struct FeaturesSeed<'a, 'p, S>(&'a mut State<'p, S>);

impl<'de, S: FeatureSink> DeserializeSeed<'de> for FeaturesSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, S: FeatureSink> Visitor<'de> for FeaturesSeed<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of features")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(FeatureSeed(&mut *self.0))?.is_some() {}
        Ok(())
    }
}

struct FeatureSeed<'a, 'p, S>(&'a mut State<'p, S>);

impl<'de, S: FeatureSink> DeserializeSeed<'de> for FeatureSeed<'_, '_, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

/// The geometry member, with its coordinates kept raw until the type is known (the `type`
/// key may come after `coordinates`).
#[derive(serde::Deserialize)]
pub(crate) struct RawGeometry<'a> {
    /// `Point`, `LineString`, ...
    #[serde(rename = "type")]
    #[serde(borrow)]
    pub(crate) kind: Option<Cow<'a, str>>,
    /// The coordinates' JSON text, parsed once the type is known.
    #[serde(borrow, default, deserialize_with = "raw_text")]
    pub(crate) coordinates: Option<&'a str>,
}

/// A value's JSON text as it stands in the input (checked to be one JSON value); `None`
/// for `null`.
fn raw_text<'de, D: de::Deserializer<'de>>(d: D) -> Result<Option<&'de str>, D::Error> {
    let raw: Option<&'de RawValue> = serde::Deserialize::deserialize(d)?;
    Ok(raw.map(RawValue::get))
}

impl RawGeometry<'_> {
    /// The type (`""` when absent) and the raw coordinates, or the message for a geometry
    /// without coordinates.
    pub(crate) fn parts(&self) -> std::result::Result<(&str, &str), String> {
        let kind = self.kind.as_deref().unwrap_or("");
        match self.coordinates {
            Some(raw) => Ok((kind, raw)),
            None => Err(format!("geometry {} has no coordinates", quoted(kind))),
        }
    }
}

/// Parses the raw coordinates of a `kind` geometry as `T`; the message names the type.
pub(crate) fn parse_coordinates<'de, T: serde::Deserialize<'de>>(
    kind: &str,
    raw: &'de str,
) -> std::result::Result<T, String> {
    serde_json::from_str(raw).map_err(|e| {
        format!(
            "invalid {} coordinates: {}",
            clip(kind),
            clip(&e.to_string())
        )
    })
}

/// The members of one feature.
#[derive(Default)]
pub(super) struct FeatureMembers<'de> {
    pub(super) kind: Option<Cow<'de, str>>,
    pub(super) id: Option<Scalar>,
    /// `Some(None)` for `"geometry": null`.
    pub(super) geometry: Option<Option<RawGeometry<'de>>>,
}

impl<'de, S: FeatureSink> Visitor<'de> for FeatureSeed<'_, '_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON Feature object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.0;
        state.count += 1;
        state.sink.begin_feature();
        let mut members = FeatureMembers::default();
        while let Some(key) = map.next_key_seed(StrSeed)? {
            match key.as_ref() {
                "type" => members.kind = Some(map.next_value_seed(StrSeed)?),
                "id" => {
                    let raw: &'de RawValue = map.next_value()?;
                    members.id = id_member(raw).map_err(de::Error::custom)?;
                }
                "geometry" => members.geometry = Some(map.next_value()?),
                "properties" => {
                    state.sink.begin_properties();
                    map.next_value_seed(PropsSeed(&mut state.sink))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        match state.finish_feature(members) {
            Ok(()) => Ok(()),
            Err(e) => {
                state.error = Some(e);
                Err(de::Error::custom("feature error"))
            }
        }
    }
}

impl<S: FeatureSink> State<'_, S> {
    /// Checks the feature's members and hands it to the sink.
    pub(super) fn finish_feature(&mut self, members: FeatureMembers) -> Result<()> {
        let n = self.base + self.count;
        let mut id = self
            .sink
            .take_properties_id()
            .or(members.id.map(Scalar::into_text));
        let result = match (members.kind.as_deref(), &members.geometry) {
            (Some(t), _) if t != "Feature" => Err(FeatureError::Item(format!(
                "type is {}, expected \"Feature\"",
                quoted(t)
            ))),
            (_, Some(Some(geometry))) => self.sink.feature(n, &mut id, geometry),
            _ => Err(FeatureError::Item(format!(
                "feature has no geometry{}",
                S::GEOMETRY_HINT
            ))),
        };
        result.map_err(|e| {
            let path = self.path.to_path_buf();
            let item = match &id {
                Some(id) => format!("feature {n} (id {})", quoted(id)),
                None => format!("feature {n}"),
            };
            match e {
                FeatureError::Item(message) => Error::Item {
                    path,
                    item,
                    message,
                },
                FeatureError::Coordinate { lon, lat, message } => Error::BadCoordinate {
                    path,
                    item,
                    lon,
                    lat,
                    message,
                },
            }
        })
    }
}

/// The `properties` object: hands the sink the properties it wants, skips the rest unparsed.
struct PropsSeed<'a, S>(&'a mut S);

impl<'de, S: FeatureSink> DeserializeSeed<'de> for PropsSeed<'_, S> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, S: FeatureSink> Visitor<'de> for PropsSeed<'_, S> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a properties object or null")
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(StrSeed)? {
            match self.0.wants(&key) {
                Some(slot) => {
                    let value = map.next_value::<ScalarValue>()?.0;
                    self.0.property(slot, &key, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// A GeoJSON position: the first two numbers (x, y); an altitude or more is ignored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pos(pub [f64; 2]);

impl<'de> serde::Deserialize<'de> for Pos {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Pos, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a position [x, y]")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pos, A::Error> {
                let x: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let y: f64 = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(1, &self))?;
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Pos([x, y]))
            }
        }
        d.deserialize_seq(V)
    }
}

/// Any JSON value reduced to an optional [`Scalar`] (objects and arrays count as absent).
pub(crate) struct ScalarValue(pub(crate) Option<Scalar>);

impl<'de> serde::Deserialize<'de> for ScalarValue {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<ScalarValue, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

struct ScalarVisitor;

/// The largest integer every smaller one of which a double holds exactly, 2^53.
const EXACT_INTEGER: u64 = 1 << 53;

/// A feature's `id` member: as [`ScalarValue`] reads it, except that an integer too long for
/// any number type (more than 19 digits) is kept as written.
fn id_member(raw: &RawValue) -> serde_json::Result<Option<Scalar>> {
    let text = raw.get().trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.len() > 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(Some(Scalar::Text(text.to_string())));
    }
    Ok(serde_json::from_str::<ScalarValue>(text)?.0)
}

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = ScalarValue;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Bool(v))))
    }
    // Integers a double cannot hold exactly (beyond 2^53, e.g. 19-digit ids) are kept as
    // their digits: as text they stay distinct and are written as given.
    fn visit_i64<E>(self, v: i64) -> Result<ScalarValue, E> {
        if v.unsigned_abs() > EXACT_INTEGER {
            return Ok(ScalarValue(Some(Scalar::Text(v.to_string()))));
        }
        Ok(ScalarValue(Some(Scalar::Num(v as f64))))
    }
    fn visit_u64<E>(self, v: u64) -> Result<ScalarValue, E> {
        if v > EXACT_INTEGER {
            return Ok(ScalarValue(Some(Scalar::Text(v.to_string()))));
        }
        Ok(ScalarValue(Some(Scalar::Num(v as f64))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Num(v))))
    }
    fn visit_str<E>(self, v: &str) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Text(v.to_owned()))))
    }
    fn visit_string<E>(self, v: String) -> Result<ScalarValue, E> {
        Ok(ScalarValue(Some(Scalar::Text(v))))
    }
    fn visit_unit<E>(self) -> Result<ScalarValue, E> {
        Ok(ScalarValue(None))
    }
    fn visit_none<E>(self) -> Result<ScalarValue, E> {
        Ok(ScalarValue(None))
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<ScalarValue, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ScalarValue, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(ScalarValue(None))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ScalarValue, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(ScalarValue(None))
    }
}

/// The name in a legacy `crs` member (`{"type": "name", "properties": {"name": …}}`), or
/// the member itself as JSON when it has no name (so the caller can quote what it got);
/// `None` for `null`.
fn crs_name(value: serde_json::Value) -> Option<String> {
    match value.pointer("/properties/name") {
        _ if value.is_null() => None,
        Some(serde_json::Value::String(name)) => Some(name.clone()),
        _ => Some(value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Tasks cover every feature once, in order, with at most `FEATURES_PER_TASK` features
    /// and no more bytes than `BYTES_PER_TASK` plus one feature.
    #[test]
    fn tasks_split_by_count_and_by_bytes() {
        let mut rng = Rng::new(3);
        let mut spans = Vec::new();
        let mut at = 0;
        for _ in 0..20_000 {
            let len = [10, 300, 90_000][rng.below(3)];
            spans.push((at, at + len));
            at += len + 2;
        }
        let tasks = tasks(&spans);
        let mut next = 0;
        for (first, part) in &tasks {
            assert_eq!(*first, next);
            assert!(!part.is_empty() && part.len() <= FEATURES_PER_TASK);
            let bytes: usize = part[..part.len() - 1].iter().map(|(a, b)| b - a).sum();
            assert!(bytes < BYTES_PER_TASK, "{bytes}");
            next += part.len();
        }
        assert_eq!(next, spans.len());
        assert!(tasks.len() > 2_000, "{} tasks", tasks.len());
    }

    /// A features array whose strings hold the bytes a boundary guess looks for.
    fn tricky_array(rng: &mut Rng, n: usize) -> String {
        let names = ["plain", "a},{b", "}, {", "x\\\"},{\\\"y", "[{]}", "\\\\"];
        let mut s = String::from("{\"type\":\"FeatureCollection\",\"features\":[");
        for i in 0..n {
            if i > 0 {
                s.push_str([",", " ,\n ", ",\t"][rng.below(3)]);
            }
            let name = names[rng.below(names.len())];
            s.push_str(&format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"n\":\"{name}\",\"v\":[{i},{{\"k\":{{}}}}]}},\
                 \"geometry\":{{\"type\":\"Point\",\"coordinates\":[1,2]}}}}"
            ));
        }
        s.push_str("]}");
        s
    }

    #[test]
    fn pieces_scanned_at_once_give_the_sequential_spans() {
        let mut rng = Rng::new(3);
        for round in 0..60 {
            let n = rng.below(40);
            let text = tricky_array(&mut rng, n);
            let t = text.as_bytes();
            let p = text.find('[').unwrap();
            let mut want = Vec::new();
            let want_end = scan_features_in(t, p, &mut want, usize::MAX, 1);
            for pieces in [2, 3, 7, 50] {
                let mut got = Vec::new();
                let end = scan_features_in(t, p, &mut got, 0, pieces);
                assert_eq!(
                    (end, &got),
                    (want_end, &want),
                    "round {round}, {pieces} pieces"
                );
            }
        }
    }

    #[test]
    fn a_malformed_array_is_declined_in_pieces_too() {
        let mut rng = Rng::new(4);
        let text = tricky_array(&mut rng, 30);
        let cut = &text.as_bytes()[..text.len() - 40];
        let p = text.find('[').unwrap();
        for pieces in [1, 2, 5] {
            assert_eq!(scan_features_in(cut, p, &mut Vec::new(), 0, pieces), None);
        }
    }
}
