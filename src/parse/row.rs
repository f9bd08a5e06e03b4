//! The row grammar: one log line → its comma-separated fields, with Exchange's quoting
//! (a field is quoted only when it holds `,` or `"`; an inner `"` is doubled).
//!
//! Fields borrow from the line; only a field with doubled quotes is copied, to undo the
//! doubling. The parser prefers *a* parse over *no* parse: an unterminated quote takes
//! the rest of the line, a stray quote is kept as text, and the damage is reported
//! alongside the fields so the caller can both count it and use what is there.

use std::borrow::Cow;
use std::ops::ControlFlow;

use memchr::{memchr, memchr2};
use nom::IResult;

/// The most fields we keep; Exchange writes 9. Extra fields are counted, not stored.
pub const MAX_FIELDS: usize = 16;

/// A field's value and what was wrong with it, if anything.
pub type FieldValue<'a> = (Cow<'a, [u8]>, Option<RowDamage>);

/// What was wrong with a row that still parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowDamage {
    /// A quoted field never closed: the rest of the line became its value.
    UnterminatedQuote,
    /// A `"` inside a quoted field was neither doubled nor followed by `,`.
    StrayQuote,
}

/// The fields of one row.
#[derive(Debug)]
pub struct Fields<'a> {
    slots: [Cow<'a, [u8]>; MAX_FIELDS],
    /// How many fields the line had (may exceed `MAX_FIELDS`).
    pub count: usize,
    pub damage: Option<RowDamage>,
}

impl Default for Fields<'_> {
    fn default() -> Self {
        Fields {
            slots: std::array::from_fn(|_| Cow::Borrowed(&b""[..])),
            count: 0,
            damage: None,
        }
    }
}

impl<'a> Fields<'a> {
    /// Field `i`, or empty when the line was short.
    pub fn get(&self, i: usize) -> &[u8] {
        if i < self.count.min(MAX_FIELDS) {
            &self.slots[i]
        } else {
            b""
        }
    }
}

/// One quoted field, opening quote included: `"a,""b"""` → `a,"b"`.
///
/// Returns the value and any damage found; never fails once the opening quote is seen.
pub fn quoted_field(input: &[u8]) -> IResult<&[u8], FieldValue<'_>> {
    let (body, _) = nom::bytes::complete::tag(&b"\""[..])(input)?;
    let mut owned: Option<Vec<u8>> = None;
    let mut damage = None;
    let mut pos = 0;
    loop {
        let Some(q) = memchr(b'"', &body[pos..]).map(|q| pos + q) else {
            // Unterminated: the rest of the line is the value.
            damage = Some(RowDamage::UnterminatedQuote);
            let value = match owned {
                Some(mut v) => {
                    v.extend_from_slice(&body[pos..]);
                    Cow::Owned(v)
                }
                None => Cow::Borrowed(body),
            };
            return Ok((&body[body.len()..], (value, damage)));
        };
        match body.get(q + 1) {
            Some(b'"') => {
                // A doubled quote: one literal `"`.
                let v = owned.get_or_insert_with(Vec::new);
                v.extend_from_slice(&body[pos..=q]);
                pos = q + 2;
            }
            None | Some(b',') => {
                let value = match owned {
                    Some(mut v) => {
                        v.extend_from_slice(&body[pos..q]);
                        Cow::Owned(v)
                    }
                    None => Cow::Borrowed(&body[..q]),
                };
                return Ok((&body[q + 1..], (value, damage)));
            }
            Some(_) => {
                // A lone quote followed by text: keep it as text.
                damage = Some(RowDamage::StrayQuote);
                let v = owned.get_or_insert_with(Vec::new);
                v.extend_from_slice(&body[pos..=q]);
                pos = q + 1;
            }
        }
    }
}

/// A whole row (a line without its line ending) into `out`.
///
/// Fields are separated by `,`: a field opening with `"` is a [`quoted_field`], any other
/// is everything up to the next `,` (or the end of the line). The commas of the line are
/// found by one SIMD scan instead of one search per field: most rows are nine short
/// unquoted fields, and this is the hottest loop of the program.
pub fn row<'a>(line: &'a [u8], out: &mut Fields<'a>) {
    out.count = 0;
    out.damage = None;
    let mut commas = memchr::memchr_iter(b',', line);
    let mut start = 0;
    loop {
        let (value, next) = if line.get(start) == Some(&b'"') {
            // `quoted_field` cannot fail on input starting with a quote.
            let (rest, (value, damage)) = match quoted_field(&line[start..]) {
                Ok(ok) => ok,
                Err(_) => (&line[line.len()..], (Cow::Borrowed(&line[start..]), None)),
            };
            if damage.is_some() && out.damage.is_none() {
                out.damage = damage;
            }
            let end = line.len() - rest.len();
            // Commas inside the quotes are not separators.
            let next = if rest.first() == Some(&b',') {
                Some(end)
            } else {
                None
            };
            (value, next)
        } else {
            let next = commas.by_ref().find(|&c| c >= start);
            let end = next.unwrap_or(line.len());
            (Cow::Borrowed(&line[start..end]), next)
        };
        push(out, value);
        match next {
            Some(comma) => start = comma + 1,
            None => break,
        }
    }
}

/// The positions of `,` and `\n` in a buffer, found 64 bytes at a time: one bit per byte
/// in a mask, then one `trailing_zeros` per separator. A row has a separator every 10–20
/// bytes, too close together for a search call per separator to pay off.
struct Separators<'a> {
    buf: &'a [u8],
    /// Offset of the block `mask` describes.
    block: usize,
    /// The separators of that block not yet returned.
    mask: u64,
}

impl<'a> Separators<'a> {
    const BLOCK: usize = 64;

    fn new(buf: &'a [u8]) -> Separators<'a> {
        Separators {
            buf,
            block: 0,
            mask: Self::mask_at(buf, 0),
        }
    }

    /// One bit per separator in `buf[at..at + 64]` (fewer bytes at the end of `buf`).
    fn mask_at(buf: &[u8], at: usize) -> u64 {
        match buf.get(at..at + Self::BLOCK) {
            Some(block) => Self::mask_block(block.try_into().unwrap_or(&[0; 64])),
            None => {
                let mut mask = 0u64;
                for (i, &b) in buf.get(at..).unwrap_or_default().iter().enumerate() {
                    mask |= u64::from((b == b',') | (b == b'\n')) << i;
                }
                mask
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    fn mask_block(block: &[u8; 64]) -> u64 {
        use std::arch::x86_64::*;
        // Four 16-byte compares against `,` and `\n`, one bit per byte from each.
        // SAFETY: SSE2 is part of every x86_64 CPU (the target's baseline), and each load
        // reads 16 bytes inside `block` (`loadu` has no alignment requirement).
        unsafe {
            let (comma, newline) = (_mm_set1_epi8(b',' as i8), _mm_set1_epi8(b'\n' as i8));
            let mut mask = 0u64;
            for (i, lane) in block.chunks_exact(16).enumerate() {
                let v = _mm_loadu_si128(lane.as_ptr().cast::<__m128i>());
                let hits = _mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, newline));
                mask |= u64::from(_mm_movemask_epi8(hits) as u16) << (16 * i);
            }
            mask
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    fn mask_block(block: &[u8; 64]) -> u64 {
        let mut mask = 0u64;
        for (i, &b) in block.iter().enumerate() {
            mask |= u64::from((b == b',') | (b == b'\n')) << i;
        }
        mask
    }

    /// The first separator at or after `from`.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        if from >= self.block + Self::BLOCK {
            // Jumped ahead (past a quoted field): start again at `from`'s block.
            self.block = from - from % Self::BLOCK;
            self.mask = Self::mask_at(self.buf, self.block);
        }
        if from > self.block {
            // Drop the separators before `from` in this block.
            let below = from - self.block;
            self.mask &= !((1u64 << below) - 1);
        }
        loop {
            if self.mask != 0 {
                let at = self.block + self.mask.trailing_zeros() as usize;
                self.mask &= self.mask - 1;
                return Some(at);
            }
            self.block += Self::BLOCK;
            if self.block >= self.buf.len() {
                self.block = self.buf.len();
                return None;
            }
            self.mask = Self::mask_at(self.buf, self.block);
        }
    }
}

/// Splits a buffer into rows and their fields in one pass: one scan for `,` and `\n`
/// finds both the field ends and the line ends, so each byte is looked at once.
/// Per line, the grammar is exactly [`row`]'s (a property test holds them equal).
pub struct Rows<'a> {
    buf: &'a [u8],
    pos: usize,
    seps: Separators<'a>,
}

impl<'a> Rows<'a> {
    pub fn new(buf: &'a [u8]) -> Rows<'a> {
        Rows {
            buf,
            pos: 0,
            seps: Separators::new(buf),
        }
    }

    /// Where the next row starts.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The next separator at or after `from`.
    fn sep_from(&mut self, from: usize) -> Option<usize> {
        self.seps.next_from(from)
    }

    /// The next line (without its `\n`) and whether a `\n` ended it; its fields go to
    /// `out`, with a trailing `\r` removed from the last one. `None` at the end.
    pub fn next_row(&mut self, out: &mut Fields<'a>) -> Option<(&'a [u8], bool)> {
        let buf = self.buf;
        if self.pos >= buf.len() {
            return None;
        }
        let line_start = self.pos;
        out.count = 0;
        out.damage = None;
        let mut start = line_start;
        loop {
            if buf.get(start) == Some(&b'"') {
                match self.quoted(line_start, start, out) {
                    ControlFlow::Continue(next) => {
                        start = next;
                        continue;
                    }
                    ControlFlow::Break(line) => return Some(line),
                }
            }
            match self.sep_from(start) {
                Some(s) if buf[s] == b',' => {
                    push(out, Cow::Borrowed(&buf[start..s]));
                    start = s + 1;
                }
                Some(nl) => {
                    push(out, Cow::Borrowed(&buf[start..without_cr(buf, start, nl)]));
                    self.pos = nl + 1;
                    return Some((&buf[line_start..nl], true));
                }
                None => {
                    let end = without_cr(buf, start, buf.len());
                    push(out, Cow::Borrowed(&buf[start..end]));
                    self.pos = buf.len();
                    return Some((&buf[line_start..], false));
                }
            }
        }
    }

    /// The quoted field at `start` of the line starting at `line_start`: where the next
    /// field starts, or the line and whether a `\n` ended it.
    fn quoted(
        &mut self,
        line_start: usize,
        start: usize,
        out: &mut Fields<'a>,
    ) -> ControlFlow<(&'a [u8], bool), usize> {
        let buf = self.buf;
        // Rare: quoted fields hold commas, so search for the line end first.
        let nl = memchr(b'\n', &buf[start..]).map_or(buf.len(), |n| start + n);
        let end = without_cr(buf, start, nl);
        let (rest, (value, damage)) = match quoted_field(&buf[start..end]) {
            Ok(ok) => ok,
            Err(_) => (&buf[end..end], (Cow::Borrowed(&buf[start..end]), None)),
        };
        if damage.is_some() && out.damage.is_none() {
            out.damage = damage;
        }
        push(out, value);
        if rest.first() == Some(&b',') {
            return ControlFlow::Continue(end - rest.len() + 1);
        }
        self.pos = (nl + 1).min(buf.len());
        ControlFlow::Break((&buf[line_start..nl], nl < buf.len()))
    }
}

/// Stores the next field of a row (counted, not stored, past [`MAX_FIELDS`]).
#[inline]
fn push<'a>(out: &mut Fields<'a>, value: Cow<'a, [u8]>) {
    if out.count < MAX_FIELDS {
        out.slots[out.count] = value;
    }
    out.count += 1;
}

/// `end`, or one less when the field `buf[from..end]` ends in `\r`.
#[inline]
fn without_cr(buf: &[u8], from: usize, end: usize) -> usize {
    if end > from && buf[end - 1] == b'\r' {
        end - 1
    } else {
        end
    }
}

/// Quotes a field the way Exchange does: only when it holds `,` or `"`.
///
/// Used by the property tests (a quoted row parses back to its fields; the generated logs
/// are written with it) and by the `row` fuzz target (an undamaged row re-quotes to the
/// same fields). The corpus generator, `examples/gen-corpus.rs`, has its own copy.
pub fn quote_field(value: &[u8], out: &mut Vec<u8>) {
    if memchr2(b',', b'"', value).is_some() {
        out.push(b'"');
        for &b in value {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    } else {
        out.extend_from_slice(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(line: &[u8]) -> (Vec<Vec<u8>>, Option<RowDamage>) {
        let mut f = Fields::default();
        row(line, &mut f);
        ((0..f.count).map(|i| f.get(i).to_vec()).collect(), f.damage)
    }

    #[test]
    fn bare_field_stops_at_comma() {
        assert_eq!(
            fields(b"abc,def"),
            (vec![b"abc".to_vec(), b"def".to_vec()], None)
        );
        assert_eq!(fields(b""), (vec![Vec::new()], None));
    }

    #[test]
    fn quoted_field_undoubles_quotes() {
        let (rest, (v, d)) = quoted_field(b"\"a,\"\"b\"\"\",x").unwrap();
        assert_eq!(&*v, b"a,\"b\"");
        assert_eq!(rest, b",x");
        assert_eq!(d, None);
    }

    #[test]
    fn quoted_field_borrows_without_doubled_quotes() {
        let (rest, (v, _)) = quoted_field(b"\"a, b\"").unwrap();
        assert!(matches!(v, Cow::Borrowed(b"a, b")));
        assert_eq!(rest, b"");
    }

    #[test]
    fn quoted_field_unterminated_takes_rest() {
        let (rest, (v, d)) = quoted_field(b"\"abc, def").unwrap();
        assert_eq!(&*v, b"abc, def");
        assert_eq!(rest, b"");
        assert_eq!(d, Some(RowDamage::UnterminatedQuote));
    }

    #[test]
    fn quoted_field_stray_quote_kept() {
        let (rest, (v, d)) = quoted_field(b"\"ab\"c\",x").unwrap();
        assert_eq!(&*v, b"ab\"c");
        assert_eq!(rest, b",x");
        assert_eq!(d, Some(RowDamage::StrayQuote));
    }

    #[test]
    fn quoted_field_needs_opening_quote() {
        assert!(quoted_field(b"abc").is_err());
    }

    #[test]
    fn row_with_tls_line() {
        let line = b"2023-01-11T16:00:01.010Z,SRV\\Default Frontend SRV,123453EC62278461,7,10.10.10.10:25,95.10.20.33:56026,*,,\"TLS protocol SP_PROT_TLS1_2_SERVER negotiation succeeded using bulk encryption algorithm CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 256 bits\"";
        let (f, d) = fields(line);
        assert_eq!(f.len(), 9);
        assert_eq!(d, None);
        assert_eq!(f[2], b"123453EC62278461");
        assert_eq!(f[7], b"");
        assert!(f[8].starts_with(b"TLS protocol SP_PROT_TLS1_2_SERVER"));
        assert!(f[8].ends_with(b"256 bits"));
    }

    #[test]
    fn row_with_quoted_connector_and_trailing_empty() {
        let (f, _) = fields("t,\"EX02\\Empfang, Größe\",AB,0,a,b,+,,".as_bytes());
        assert_eq!(f.len(), 9);
        assert_eq!(f[1], "EX02\\Empfang, Größe".as_bytes());
        assert_eq!(f[8], b"");
    }

    #[test]
    fn row_counts_extra_fields() {
        let mut f = Fields::default();
        let line = vec![b','; 20];
        row(&line, &mut f);
        assert_eq!(f.count, 21);
        assert_eq!(f.get(20), b"");
    }

    #[test]
    fn rows_agree_with_row_per_line() {
        let buf = b"a,\"b,\"\"c\",d\r\n\r\nx,\"unterminated, y\r\n#h,1\n\"q\"\"\",last\r\ntail,no newline";
        let mut rows = Rows::new(buf);
        let mut f = Fields::default();
        let mut lines = buf.split(|&b| b == b'\n').peekable();
        while let Some((line, terminated)) = rows.next_row(&mut f) {
            let expected_line = lines.next().unwrap();
            assert_eq!(line, expected_line);
            assert_eq!(terminated, lines.peek().is_some());
            let mut g = Fields::default();
            row(line.strip_suffix(b"\r").unwrap_or(line), &mut g);
            assert_eq!(f.count, g.count, "{:?}", String::from_utf8_lossy(line));
            assert_eq!(f.damage, g.damage);
            for i in 0..f.count {
                assert_eq!(f.get(i), g.get(i));
            }
        }
        assert!(lines.next().is_none());
        assert_eq!(rows.position(), buf.len());
    }

    #[test]
    fn separators_match_a_plain_scan() {
        // Buffers of every length around the 64-byte blocks, separators at every density,
        // read with steps and with jumps (as after a quoted field).
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for len in (0..200).chain([255, 256, 257, 1000]) {
            for density in [2, 5, 30] {
                let buf: Vec<u8> = (0..len)
                    .map(|_| match next() % density {
                        0 => b',',
                        1 => b'\n',
                        _ => b'a',
                    })
                    .collect();
                let plain =
                    |from: usize| (from..buf.len()).find(|&i| matches!(buf[i], b',' | b'\n'));
                let mut seps = Separators::new(&buf);
                let mut from = 0;
                loop {
                    let got = seps.next_from(from);
                    assert_eq!(got, plain(from), "len {len}, from {from}");
                    let Some(at) = got else { break };
                    // Mostly the next byte, sometimes a jump of up to 150 bytes.
                    from = at
                        + 1
                        + if next() % 4 == 0 {
                            (next() % 150) as usize
                        } else {
                            0
                        };
                }
            }
        }
    }

    #[test]
    fn quote_field_round_trip() {
        let mut out = Vec::new();
        quote_field(b"a,\"b\"", &mut out);
        assert_eq!(out, b"\"a,\"\"b\"\"\"");
        let mut plain = Vec::new();
        quote_field(b"plain", &mut plain);
        assert_eq!(plain, b"plain");
    }
}
