//! PyMongo Extended JSON, canonical mode, as wacryptolib writes and reads it.
//!
//! Writing: sorted keys, separators `", "` and `": "`, every non-ASCII character escaped as `\uXXXX`,
//! bytes as `{"$binary": {"base64": ..., "subType": "00"}}`, UUIDs with subtype `04`, integers as
//! `{"$numberInt": ...}` or `{"$numberLong": ...}`, dates as `{"$date": {"$numberLong": <ms>}}`.
//! Reading also accepts the legacy `$binary`/`$type` form, UUID subtype `03`, `{"$uuid": hex}`, plain
//! JSON numbers and ISO 8601 dates.
//!
//! No cryptography here.

use std::fmt;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Largest JSON document read by default (a cryptainer with its payload inline).
pub const MAX_DOCUMENT_BYTES: usize = 512 * 1024 * 1024;
/// Deepest nesting of JSON arrays and objects accepted in free-form values such as metadata.
pub const MAX_VALUE_DEPTH: usize = 64;

/// Bytes, serialized as `{"$binary": {"base64": ..., "subType": "00"}}`.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Bin(pub Vec<u8>);

impl fmt::Debug for Bin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Bin({} bytes)", self.0.len())
    }
}

impl From<Vec<u8>> for Bin {
    fn from(v: Vec<u8>) -> Self {
        Bin(v)
    }
}

impl std::ops::Deref for Bin {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

/// A 64-bit integer, serialized as `$numberInt` when it fits 32 bits, else `$numberLong`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Int(pub i64);

/// A UUID, serialized as binary subtype `04` (RFC 4122 byte order).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Uid(pub uuid::Uuid);

impl fmt::Display for Uid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// An aware UTC datetime with millisecond precision, serialized as `{"$date": {"$numberLong": ms}}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateTimeMs(pub i64);

impl DateTimeMs {
    /// The current time.
    pub fn now() -> Self {
        let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        DateTimeMs(d.as_millis() as i64)
    }
}

impl fmt::Display for DateTimeMs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1000);
        let (days, sod) = (secs.div_euclid(86400), secs.rem_euclid(86400));
        let (y, m, d) = civil_from_days(days);
        write!(f, "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC", sod / 3600, sod / 60 % 60, sod % 60)
    }
}

fn binary_value(bytes: &[u8], subtype: &str) -> Value {
    let mut inner = Map::new();
    inner.insert("base64".into(), Value::String(B64.encode(bytes)));
    inner.insert("subType".into(), Value::String(subtype.into()));
    let mut outer = Map::new();
    outer.insert("$binary".into(), Value::Object(inner));
    Value::Object(outer)
}

fn single<'a>(v: &'a Value, key: &str) -> Option<&'a Value> {
    match v {
        Value::Object(m) if m.len() == 1 => m.get(key),
        _ => None,
    }
}

/// Decodes `$binary` in its canonical or legacy form, returning bytes and subtype.
fn parse_binary(v: &Value) -> std::result::Result<(Vec<u8>, String), String> {
    let Value::Object(m) = v else {
        return Err("expected a {\"$binary\": ...} object".into());
    };
    let (b64, subtype) = match (m.get("$binary"), m.get("$type"), m.len()) {
        (Some(Value::Object(inner)), None, 1) => match (inner.get("base64"), inner.get("subType"), inner.len()) {
            (Some(Value::String(b)), Some(Value::String(t)), 2) => (b, t.clone()),
            _ => return Err("$binary must have exactly the string fields base64 and subType".into()),
        },
        (Some(Value::String(b)), Some(Value::String(t)), 2) => (b, t.clone()),
        _ => return Err("expected a {\"$binary\": ...} object".into()),
    };
    let bytes = B64.decode(b64).map_err(|e| format!("bad base64 in $binary: {e}"))?;
    let subtype = subtype.to_ascii_lowercase();
    let subtype = if subtype.len() == 1 { format!("0{subtype}") } else { subtype };
    Ok((bytes, subtype))
}

fn parse_int_str(s: &str) -> std::result::Result<i64, String> {
    s.trim_start_matches('+').parse::<i64>().map_err(|e| format!("bad integer {s:?}: {e}"))
}

fn parse_int(v: &Value) -> std::result::Result<i64, String> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| format!("expected an integer, got {n}")),
        _ => match (single(v, "$numberInt"), single(v, "$numberLong")) {
            (Some(Value::String(s)), _) => {
                let n = parse_int_str(s)?;
                i32::try_from(n).map_err(|_| format!("$numberInt out of range: {s}"))?;
                Ok(n)
            }
            (_, Some(Value::String(s))) => parse_int_str(s),
            _ => Err("expected an integer ($numberInt, $numberLong or a JSON number)".into()),
        },
    }
}

fn parse_uuid(v: &Value) -> std::result::Result<uuid::Uuid, String> {
    if let Some(Value::String(s)) = single(v, "$uuid") {
        return uuid::Uuid::parse_str(s).map_err(|e| format!("bad $uuid: {e}"));
    }
    let (bytes, subtype) = parse_binary(v)?;
    if subtype != "04" && subtype != "03" {
        return Err(format!("expected a UUID (binary subtype 03 or 04), got subtype {subtype}"));
    }
    uuid::Uuid::from_slice(&bytes).map_err(|_| format!("a UUID has 16 bytes, got {}", bytes.len()))
}

fn parse_date(v: &Value) -> std::result::Result<i64, String> {
    let Some(d) = single(v, "$date") else {
        return Err("expected a {\"$date\": ...} object".into());
    };
    match d {
        Value::String(s) => parse_iso8601_ms(s),
        other => parse_int(other),
    }
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]` into milliseconds since the epoch.
fn parse_iso8601_ms(s: &str) -> std::result::Result<i64, String> {
    let err = || format!("bad ISO 8601 date {s:?}");
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> std::result::Result<i64, String> {
        let part = s.get(r).ok_or_else(err)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse::<i64>().map_err(|_| err())
        } else {
            Err(err())
        }
    };
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(err());
    }
    let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(err());
    }
    let mut i = 19;
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let frac = s.get(start..i).ok_or_else(err)?;
        if frac.is_empty() {
            return Err(err());
        }
        let padded: String = frac.chars().chain("000".chars()).take(3).collect();
        ms = padded.parse::<i64>().map_err(|_| err())?;
    }
    let offset_min = match s.get(i..) {
        Some("Z") | Some("z") | Some("") => 0,
        Some(tz) if tz.len() == 6 && (tz.starts_with('+') || tz.starts_with('-')) && &tz[3..4] == ":" => {
            let sign = if tz.starts_with('-') { -1 } else { 1 };
            sign * (num(i + 1..i + 3)? * 60 + num(i + 4..i + 6)?)
        }
        _ => return Err(err()),
    };
    let days = days_from_civil(y, mo, d);
    Ok(((days * 86400 + h * 3600 + mi * 60 + se) - offset_min * 60) * 1000 + ms)
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

macro_rules! value_serde {
    ($t:ty, |$s:ident| $ser:expr, |$v:ident| $de:expr) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                let $s = self;
                let value: Value = $ser;
                value.serialize(serializer)
            }
        }
        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let $v = Value::deserialize(deserializer)?;
                $de.map_err(D::Error::custom)
            }
        }
    };
}

value_serde!(Bin, |s| binary_value(&s.0, "00"), |v| parse_binary(&v).and_then(|(b, t)| {
    if t == "00" {
        Ok(Bin(b))
    } else {
        Err(format!("expected bytes (binary subtype 00), got subtype {t}"))
    }
}));
value_serde!(Uid, |s| binary_value(s.0.as_bytes(), "04"), |v| parse_uuid(&v).map(Uid));
value_serde!(Int, |s| int_value(s.0), |v| parse_int(&v).map(Int));
value_serde!(
    DateTimeMs,
    |s| {
        let mut m = Map::new();
        m.insert("$date".into(), int_long_value(s.0));
        Value::Object(m)
    },
    |v| parse_date(&v).map(DateTimeMs)
);

fn int_value(n: i64) -> Value {
    if i32::try_from(n).is_ok() {
        let mut m = Map::new();
        m.insert("$numberInt".into(), Value::String(n.to_string()));
        Value::Object(m)
    } else {
        int_long_value(n)
    }
}

fn int_long_value(n: i64) -> Value {
    let mut m = Map::new();
    m.insert("$numberLong".into(), Value::String(n.to_string()));
    Value::Object(m)
}

/// Secret bytes (key material), wiped on drop, serialized like [`Bin`].
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SecretBin(pub Zeroizing<Vec<u8>>);

impl fmt::Debug for SecretBin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBin(<redacted>)")
    }
}

impl<'de> Deserialize<'de> for SecretBin {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Inner {
            base64: ZStr,
            #[serde(rename = "subType")]
            sub_type: String,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Outer {
            #[serde(rename = "$binary")]
            binary: Inner,
        }
        let o = Outer::deserialize(deserializer)?;
        if o.binary.sub_type != "00" {
            return Err(D::Error::custom("expected bytes (binary subtype 00)"));
        }
        let mut buf = Zeroizing::new(vec![0u8; o.binary.base64.0.len()]);
        let n = B64
            .decode_slice(o.binary.base64.0.as_bytes(), &mut buf)
            .map_err(|e| D::Error::custom(format!("bad base64: {e}")))?;
        buf.truncate(n);
        Ok(SecretBin(buf))
    }
}

/// A string wiped on drop (base64 of secrets while parsing).
struct ZStr(Zeroizing<String>);

impl<'de> Deserialize<'de> for ZStr {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| ZStr(Zeroizing::new(s)))
    }
}

impl SecretBin {
    /// Writes `{"$binary": {"base64": ..., "subType": "00"}}` into a zeroized buffer.
    pub(crate) fn write_canonical(bytes: &[u8], out: &mut Zeroizing<Vec<u8>>) {
        out.extend_from_slice(b"{\"$binary\": {\"base64\": \"");
        let start = out.len();
        out.resize(start + bytes.len().div_ceil(3) * 4, 0);
        let n = B64.encode_slice(bytes, &mut out[start..]).expect("buffer sized for base64");
        out.truncate(start + n);
        out.extend_from_slice(b"\", \"subType\": \"00\"}}");
    }
}

/// Writes a JSON value exactly as wacryptolib (Python `json` with sort_keys and ensure_ascii) does.
pub fn write_value(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.to_string().as_bytes()),
        Value::String(s) => write_str(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                write_str(k, out);
                out.extend_from_slice(b": ");
                write_value(&map[k], out);
            }
            out.push(b'}');
        }
    }
}

/// Writes a JSON value as Python's `json.dumps(value, indent=indent, sort_keys=True)` does (what
/// wacryptolib's command line prints).
pub fn write_value_pretty(v: &Value, out: &mut Vec<u8>, indent: usize, level: usize) {
    let newline = |out: &mut Vec<u8>, level: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', indent * level));
    };
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, level + 1);
                write_value_pretty(item, out, indent, level + 1);
            }
            newline(out, level);
            out.push(b']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push(b'{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                newline(out, level + 1);
                write_str(k, out);
                out.extend_from_slice(b": ");
                write_value_pretty(&map[k], out, indent, level + 1);
            }
            newline(out, level);
            out.push(b'}');
        }
        other => write_value(other, out),
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in s.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            ' '..='~' => out.push(c as u8),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.extend_from_slice(format!("\\u{u:04x}").as_bytes());
                }
            }
        }
    }
    out.push(b'"');
}

/// Serializes a value into wacryptolib's canonical Extended JSON bytes.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let v = serde_json::to_value(value).map_err(|e| Error::Json { path: ".".into(), message: e.to_string() })?;
    let mut out = Vec::new();
    write_value(&v, &mut out);
    Ok(out)
}

/// Parses Extended JSON bytes into a typed value; errors name the JSON path of the problem.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    from_slice_limited(bytes, MAX_DOCUMENT_BYTES)
}

/// Same as [`from_slice`] with an explicit size limit.
pub fn from_slice_limited<T: DeserializeOwned>(bytes: &[u8], max_bytes: usize) -> Result<T> {
    if bytes.len() > max_bytes {
        return Err(Error::Limit(format!("JSON document of {} bytes, at most {max_bytes} accepted", bytes.len())));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let result: std::result::Result<T, _> = serde_path_to_error::deserialize(de);
    let value = result.map_err(|e| {
        let path = e.path().to_string();
        Error::Json { path, message: e.into_inner().to_string() }
    })?;
    Ok(value)
}

/// Brings a free-form Extended JSON value (such as cryptainer metadata) into the canonical form that
/// wacryptolib would write after reading it: plain integers become `$numberInt`/`$numberLong`, legacy
/// binaries, `$uuid` and ISO dates take their canonical form. Fails on values deeper than
/// [`MAX_VALUE_DEPTH`].
pub fn canonicalize(v: &Value) -> Result<Value> {
    canonicalize_at(v, 0, "")
}

fn canonicalize_at(v: &Value, depth: usize, path: &str) -> Result<Value> {
    if depth > MAX_VALUE_DEPTH {
        return Err(Error::Limit(format!("value nested deeper than {MAX_VALUE_DEPTH} levels at {path}")));
    }
    let bad = |message: String| Error::Json { path: if path.is_empty() { ".".into() } else { path.into() }, message };
    Ok(match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                int_value(i)
            } else {
                let f = n.as_f64().ok_or_else(|| bad(format!("number {n} out of range")))?;
                let mut m = Map::new();
                m.insert("$numberDouble".into(), Value::String(python_float_repr(f)));
                Value::Object(m)
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, x)| canonicalize_at(x, depth + 1, &format!("{path}[{i}]")))
                .collect::<Result<_>>()?,
        ),
        Value::Object(m) => {
            if m.contains_key("$binary") {
                let (bytes, subtype) = parse_binary(v).map_err(bad)?;
                let subtype = if subtype == "03" { "04".to_string() } else { subtype };
                binary_value(&bytes, &subtype)
            } else if m.contains_key("$uuid") {
                binary_value(parse_uuid(v).map_err(bad)?.as_bytes(), "04")
            } else if m.contains_key("$date") {
                let ms = parse_date(v).map_err(bad)?;
                let mut o = Map::new();
                o.insert("$date".into(), int_long_value(ms));
                Value::Object(o)
            } else if m.contains_key("$numberInt") || m.contains_key("$numberLong") {
                let n = parse_int(v).map_err(bad)?;
                if m.contains_key("$numberLong") {
                    int_long_value(n)
                } else {
                    int_value(n)
                }
            } else {
                let mut o = Map::new();
                for (k, x) in m {
                    o.insert(k.clone(), canonicalize_at(x, depth + 1, &format!("{path}.{k}"))?);
                }
                Value::Object(o)
            }
        }
        other => other.clone(),
    })
}

/// Python's `repr()` of a float, for the finite values JSON can carry.
fn python_float_repr(f: f64) -> String {
    let s = format!("{f:?}");
    if let Some((mantissa, exp)) = s.split_once('e') {
        let exp: i32 = exp.parse().unwrap_or(0);
        if (-5..16).contains(&exp) {
            return format!("{f}");
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let mantissa = mantissa.strip_suffix(".0").unwrap_or(mantissa);
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    // Rust prints large values without exponent; Python switches at 1e16.
    if f.abs() >= 1e16 {
        let e = format!("{f:e}");
        if let Some((m, x)) = e.split_once('e') {
            return format!("{m}e+{:02}", x.parse::<i32>().unwrap_or(0));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector() {
        let mut m = Map::new();
        m.insert("a".into(), Value::String("hêllo".into()));
        m.insert("b".into(), serde_json::to_value(Bin(b"xyz".to_vec())).unwrap());
        let uid = uuid::Uuid::parse_str("7c0b18f5-f410-4e83-9263-b38c2328e516").unwrap();
        m.insert("c".into(), serde_json::to_value(Uid(uid)).unwrap());
        let out = to_vec(&Value::Object(m)).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"a": "h\u00eallo", "b": {"$binary": {"base64": "eHl6", "subType": "00"}}, "c": {"$binary": {"base64": "fAsY9fQQToOSY7OMIyjlFg==", "subType": "04"}}}"#
        );
    }

    #[test]
    fn legacy_forms_are_read() {
        let b: Bin = from_slice(br#"{"$binary": "eHl6", "$type": "00"}"#).unwrap();
        assert_eq!(b.0, b"xyz");
        let u: Uid = from_slice(br#"{"$uuid": "7c0b18f5f4104e839263b38c2328e516"}"#).unwrap();
        assert_eq!(u.to_string(), "7c0b18f5-f410-4e83-9263-b38c2328e516");
        let u3: Uid = from_slice(br#"{"$binary": {"base64": "fAsY9fQQToOSY7OMIyjlFg==", "subType": "03"}}"#).unwrap();
        assert_eq!(u3, u);
        let i: Int = from_slice(b"5").unwrap();
        assert_eq!(i, Int(5));
        let d: DateTimeMs = from_slice(br#"{"$date": "2021-03-04T05:06:07.089Z"}"#).unwrap();
        assert_eq!(d.0, 1614834367089);
        assert_eq!(d.to_string(), "2021-03-04 05:06:07 UTC");
        let d2: DateTimeMs = from_slice(br#"{"$date": "2021-03-04T07:06:07.089+02:00"}"#).unwrap();
        assert_eq!(d2, d);
    }

    #[test]
    fn errors_name_the_path() {
        #[derive(Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: Vec<Bin>,
        }
        let err = from_slice::<T>(br#"{"a": [{"$binary": {"base64": "eHl6", "subType": "00"}}, 3]}"#).unwrap_err();
        assert!(err.to_string().contains("a[1]"), "{err}");
    }

    #[test]
    fn python_escapes() {
        let mut out = Vec::new();
        write_value(&Value::String("a\"\\\n\u{1}\u{7f}é😀".into()), &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), r#""a\"\\\n\u0001\u007f\u00e9\ud83d\ude00""#);
    }

    #[test]
    fn float_repr() {
        assert_eq!(python_float_repr(1.5), "1.5");
        assert_eq!(python_float_repr(1e20), "1e+20");
        assert_eq!(python_float_repr(1e-7), "1e-07");
        assert_eq!(python_float_repr(0.1), "0.1");
    }
}

#[cfg(test)]
mod pretty_tests {
    #[test]
    fn pretty_matches_python_indent() {
        let v: serde_json::Value = serde_json::from_str(r#"{"b": [1, {"x": []}], "a": {}, "c": "é"}"#).unwrap();
        let mut out = Vec::new();
        super::write_value_pretty(&v, &mut out, 4, 0);
        // python: json.dumps({'b':[1,{'x':[]}],'a':{},'c':'é'}, indent=4, sort_keys=True)
        let expected = "{\n    \"a\": {},\n    \"b\": [\n        1,\n        {\n            \"x\": []\n        }\n    ],\n    \"c\": \"\\u00e9\"\n}";
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }
}
