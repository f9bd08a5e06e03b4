//! The `#` header block: `#Log-type` says what the file is, `#Fields` where each column is.

use nom::bytes::complete::{tag, take_till};
use nom::character::complete::space0;
use nom::IResult;
use nom::Parser;

/// Which side of SMTP the log was written from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// `SMTP Receive Protocol Log`: Exchange is the server; the remote is a client.
    Receive,
    /// `SMTP Send Protocol Log`: Exchange is the client; the remote is a server.
    Send,
}

impl LogKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            LogKind::Receive => "receive",
            LogKind::Send => "send",
        }
    }
}

/// One header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderLine<'a> {
    /// `#Log-type: ...`: `Some(kind)` for SMTP protocol logs, `None` for any other log.
    LogType(Option<LogKind>),
    Fields(Columns),
    /// `#Version`, `#Date`, `#Software`, or a comment we do not need.
    Other(&'a [u8]),
}

/// Where each column we use sits in a row, from the `#Fields` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Columns {
    pub date_time: usize,
    pub connector: usize,
    pub session: usize,
    pub sequence: usize,
    pub local: usize,
    pub remote: usize,
    pub event: usize,
    pub data: usize,
    pub context: usize,
    /// How many fields a row has.
    pub width: usize,
}

impl Columns {
    /// The order every Exchange version seen writes; used when `#Fields` is missing.
    pub const STANDARD: Columns = Columns {
        date_time: 0,
        connector: 1,
        session: 2,
        sequence: 3,
        local: 4,
        remote: 5,
        event: 6,
        data: 7,
        context: 8,
        width: 9,
    };

    /// Maps column names to positions; `None` when a column we need is absent.
    pub fn from_names<'n>(names: impl IntoIterator<Item = &'n [u8]>) -> Option<Columns> {
        let mut pos: [Option<usize>; 9] = [None; 9];
        let mut width = 0;
        for (i, name) in names.into_iter().enumerate() {
            width = i + 1;
            let slot = match name.trim_ascii() {
                b"date-time" => 0,
                b"connector-id" => 1,
                b"session-id" => 2,
                b"sequence-number" => 3,
                b"local-endpoint" => 4,
                b"remote-endpoint" => 5,
                b"event" => 6,
                b"data" => 7,
                b"context" => 8,
                _ => continue,
            };
            pos[slot].get_or_insert(i);
        }
        Some(Columns {
            date_time: pos[0]?,
            connector: pos[1]?,
            session: pos[2]?,
            sequence: pos[3]?,
            local: pos[4]?,
            remote: pos[5]?,
            event: pos[6]?,
            data: pos[7]?,
            context: pos[8]?,
            width,
        })
    }
}

/// `SMTP Receive Protocol Log` / `SMTP Send Protocol Log` / anything else.
pub fn log_type(input: &[u8]) -> IResult<&[u8], Option<LogKind>> {
    let (rest, (_, _, value)) =
        (tag(&b"#Log-type:"[..]), space0, take_till(|_| false)).parse(input)?;
    let kind = match value.trim_ascii() {
        b"SMTP Receive Protocol Log" => Some(LogKind::Receive),
        b"SMTP Send Protocol Log" => Some(LogKind::Send),
        _ => None,
    };
    Ok((rest, kind))
}

/// `#Fields: a,b,c`.
pub fn fields_line(input: &[u8]) -> IResult<&[u8], Option<Columns>> {
    let (rest, (_, _, value)) =
        (tag(&b"#Fields:"[..]), space0, take_till(|_| false)).parse(input)?;
    Ok((rest, Columns::from_names(value.split(|&b| b == b','))))
}

/// Any line starting with `#`.
pub fn header_line(input: &[u8]) -> IResult<&[u8], HeaderLine<'_>> {
    if let Ok((rest, kind)) = log_type(input) {
        return Ok((rest, HeaderLine::LogType(kind)));
    }
    if let Ok((rest, cols)) = fields_line(input) {
        // A `#Fields` line naming none of our columns is a header we do not understand;
        // the caller falls back to the standard order.
        return Ok((
            rest,
            match cols {
                Some(c) => HeaderLine::Fields(c),
                None => HeaderLine::Other(input),
            },
        ));
    }
    let (rest, _) = tag(&b"#"[..])(input)?;
    Ok((&rest[rest.len()..], HeaderLine::Other(input)))
}

/// Strips a UTF-8 byte order mark.
pub fn strip_bom(input: &[u8]) -> &[u8] {
    input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_type_receive_send_other() {
        assert_eq!(
            log_type(b"#Log-type: SMTP Receive Protocol Log"),
            Ok((&b""[..], Some(LogKind::Receive)))
        );
        assert_eq!(
            log_type(b"#Log-type: SMTP Send Protocol Log "),
            Ok((&b""[..], Some(LogKind::Send)))
        );
        assert_eq!(
            log_type(b"#Log-type: Message Tracking Log"),
            Ok((&b""[..], None))
        );
        assert!(log_type(b"#Date: 2026").is_err());
    }

    #[test]
    fn fields_line_standard() {
        let (rest, c) = fields_line(
            b"#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context",
        )
        .unwrap();
        assert_eq!(rest, b"");
        assert_eq!(c, Some(Columns::STANDARD));
    }

    #[test]
    fn fields_line_other_order() {
        let (_, c) = fields_line(
            b"#Fields: session-id,date-time,connector-id,sequence-number,local-endpoint,remote-endpoint,event,context,data",
        )
        .unwrap();
        let c = c.unwrap();
        assert_eq!((c.session, c.date_time, c.data, c.context), (0, 1, 8, 7));
    }

    #[test]
    fn fields_line_missing_column() {
        let (_, c) = fields_line(b"#Fields: date-time,client-ip").unwrap();
        assert_eq!(c, None);
    }

    #[test]
    fn header_line_other() {
        assert_eq!(
            header_line(b"#Version: 15.0.0.0"),
            Ok((&b""[..], HeaderLine::Other(&b"#Version: 15.0.0.0"[..])))
        );
        assert!(header_line(b"2026-11-25").is_err());
    }

    #[test]
    fn bom_stripped_once() {
        assert_eq!(strip_bom(b"\xEF\xBB\xBF#x"), b"#x");
        assert_eq!(strip_bom(b"#x"), b"#x");
    }
}
