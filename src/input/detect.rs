//! Is this an SMTP protocol log? Decided by the header block, never by the file name.

use crate::parse::header::{header_line, strip_bom, Columns, HeaderLine, LogKind};
use crate::parse::row::{self, Fields};

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Detected {
    /// An SMTP protocol log; `warning` when we had to guess part of the header.
    ProtocolLog {
        kind: LogKind,
        columns: Columns,
        warning: Option<String>,
    },
    /// Another Exchange log (`#Log-type: Message Tracking Log`...).
    OtherLog(String),
    Empty,
    NotALog,
}

/// Why a file that is not a protocol log was skipped: what the message names when a
/// run finds no protocol log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    MessageTracking,
    Connectivity,
    /// Any other `#Log-type` (agent logs, routing logs...).
    OtherLog,
    Empty,
    NotALog,
}

impl SkipKind {
    pub const ALL: [SkipKind; 5] = [
        SkipKind::MessageTracking,
        SkipKind::Connectivity,
        SkipKind::OtherLog,
        SkipKind::Empty,
        SkipKind::NotALog,
    ];

    /// What `n` files of this kind are called.
    pub fn noun(self, n: u64) -> &'static str {
        let (one, many) = match self {
            SkipKind::MessageTracking => ("message tracking log", "message tracking logs"),
            SkipKind::Connectivity => ("connectivity log", "connectivity logs"),
            SkipKind::OtherLog => ("other log", "other logs"),
            SkipKind::Empty => ("empty file", "empty files"),
            SkipKind::NotALog => ("file that is not a log", "files that are not logs"),
        };
        if n == 1 {
            one
        } else {
            many
        }
    }
}

impl Detected {
    /// Why the file is skipped; `None` for a protocol log.
    pub fn skip_kind(&self) -> Option<SkipKind> {
        match self {
            Detected::ProtocolLog { .. } => None,
            Detected::OtherLog(name) => {
                // As Exchange names them: "Message Tracking Log", "Transport Connectivity Log".
                let name = name.to_ascii_lowercase();
                Some(if name.contains("message tracking") {
                    SkipKind::MessageTracking
                } else if name.contains("connectivity") {
                    SkipKind::Connectivity
                } else {
                    SkipKind::OtherLog
                })
            }
            Detected::Empty => Some(SkipKind::Empty),
            Detected::NotALog => Some(SkipKind::NotALog),
        }
    }
}

/// Guesses the log kind of a header-less file from its path, then from its first row.
fn guess_kind(path_hint: &str, connector: &[u8], context: &[u8]) -> LogKind {
    let upper = path_hint.to_ascii_uppercase();
    let name = upper.rsplit(['/', '\\']).next().unwrap_or("");
    if name.starts_with("RECV") || upper.contains("SMTPRECEIVE") {
        LogKind::Receive
    } else if name.starts_with("SEND") || upper.contains("SMTPSEND") {
        LogKind::Send
    } else if context.ends_with(b"_SERVER") || connector.contains(&b'\\') {
        LogKind::Receive
    } else {
        LogKind::Send
    }
}

/// Reads the header block at the start of `head`: for a plain file what the reader's
/// `read_head` read (the header block and the first whole row after it, at most
/// `HEAD_BYTES`, 64 KiB), for a compressed file or an archive member the first 64 KiB of
/// its stream.
pub fn detect(head: &[u8], path_hint: &str) -> Detected {
    let head = strip_bom(head);
    if head.iter().all(u8::is_ascii_whitespace) {
        return Detected::Empty;
    }
    let header = match header_block(head) {
        Ok(h) => h,
        Err(other) => return other,
    };
    match (header.kind, header.columns) {
        (Some(kind), Some(columns)) => Detected::ProtocolLog {
            kind,
            columns,
            warning: None,
        },
        (Some(kind), None) => Detected::ProtocolLog {
            kind,
            columns: Columns::STANDARD,
            warning: Some("no #Fields line: assuming the standard column order".into()),
        },
        (None, _) => headerless(header.first_row, path_hint),
    }
}

/// What the `#` lines before the first row say.
struct HeaderBlock<'a> {
    kind: Option<LogKind>,
    columns: Option<Columns>,
    /// The first line that is not a header line, if `head` has one.
    first_row: Option<&'a [u8]>,
}

/// Reads the header lines up to the first row; `Err` with the verdict when a
/// `#Log-type` names another log.
fn header_block(head: &[u8]) -> Result<HeaderBlock<'_>, Detected> {
    let mut block = HeaderBlock {
        kind: None,
        columns: None,
        first_row: None,
    };
    let lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    for line in lines {
        if line.is_empty() {
            continue;
        }
        if line[0] != b'#' {
            block.first_row = Some(line);
            break;
        }
        match header_line(line) {
            Ok((_, HeaderLine::LogType(Some(k)))) => block.kind = Some(k),
            Ok((_, HeaderLine::LogType(None))) => {
                let name =
                    String::from_utf8_lossy(line.strip_prefix(b"#Log-type:").unwrap_or(line));
                return Err(Detected::OtherLog(name.trim().to_string()));
            }
            Ok((_, HeaderLine::Fields(c))) => block.columns = Some(c),
            _ => {}
        }
    }
    Ok(block)
}

/// No header: accept the file only if its first row looks like a protocol log row (nine
/// fields, a known event), so notes and other logs are skipped.
fn headerless(first_row: Option<&[u8]>, path_hint: &str) -> Detected {
    let Some(line) = first_row else {
        return Detected::NotALog;
    };
    let mut f = Fields::default();
    row::row(line, &mut f);
    let c = Columns::STANDARD;
    let plausible = f.count == c.width
        && matches!(f.get(c.event), b"+" | b"-" | b"<" | b">" | b"*")
        && !f.get(c.session).is_empty();
    if !plausible {
        return Detected::NotALog;
    }
    let kind = guess_kind(path_hint, f.get(c.connector), f.get(c.context));
    Detected::ProtocolLog {
        kind,
        columns: c,
        warning: Some(format!(
            "no #Log-type header: read as an SMTP {} protocol log",
            kind.as_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "\u{feff}#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: SMTP Send Protocol Log\r\n#Date: 2019-03-21T13:01:06.525Z\r\n#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context\r\n";

    #[test]
    fn detect_send_log() {
        assert_eq!(
            detect(HEADER.as_bytes(), "x.LOG"),
            Detected::ProtocolLog {
                kind: LogKind::Send,
                columns: Columns::STANDARD,
                warning: None
            }
        );
    }

    #[test]
    fn detect_message_tracking_log_is_other() {
        let h = b"#Software: Microsoft Exchange Server\r\n#Log-type: Message Tracking Log\r\n";
        assert_eq!(
            detect(h, "MSGTRK.LOG"),
            Detected::OtherLog("Message Tracking Log".into())
        );
    }

    #[test]
    fn detect_notes_are_not_a_log() {
        assert_eq!(
            detect(b"some notes, about the migration\n", "notes.LOG"),
            Detected::NotALog
        );
        assert_eq!(detect(b"", "empty.LOG"), Detected::Empty);
        assert_eq!(detect(b"\xEF\xBB\xBF\r\n", "empty.LOG"), Detected::Empty);
    }

    #[test]
    fn skip_kinds_by_log_type() {
        let kind = |h: &[u8]| detect(h, "x.LOG").skip_kind();
        assert_eq!(
            kind(b"#Log-type: Message Tracking Log\r\n"),
            Some(SkipKind::MessageTracking)
        );
        assert_eq!(
            kind(b"#Log-type: Transport Connectivity Log\r\n"),
            Some(SkipKind::Connectivity)
        );
        assert_eq!(kind(b"#Log-type: Agent Log\r\n"), Some(SkipKind::OtherLog));
        assert_eq!(kind(b""), Some(SkipKind::Empty));
        assert_eq!(kind(b"notes\n"), Some(SkipKind::NotALog));
        assert_eq!(kind(HEADER.as_bytes()), None);
        assert_eq!(SkipKind::NotALog.noun(2), "files that are not logs");
    }

    #[test]
    fn detect_missing_fields_falls_back() {
        let h = b"#Log-type: SMTP Receive Protocol Log\r\n2026-11-25T14:00:01.234Z,a\\b,0A,0,1.2.3.4:25,5.6.7.8:1,+,,\r\n";
        match detect(h, "RECV.LOG") {
            Detected::ProtocolLog {
                kind,
                columns,
                warning,
            } => {
                assert_eq!(kind, LogKind::Receive);
                assert_eq!(columns, Columns::STANDARD);
                assert!(warning.is_some());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn detect_headerless_rows_by_shape() {
        let h = b"2026-11-25T14:00:01.234Z,EX01\\Default,08D6A8D416004F77,0,1.2.3.4:25,5.6.7.8:1,+,,\r\n";
        assert!(matches!(
            detect(h, "dir/file.txt"),
            Detected::ProtocolLog {
                kind: LogKind::Receive,
                warning: Some(_),
                ..
            }
        ));
    }
}
