//! Reading: plain files in bounded blocks (large ones in stretches that end at line ends,
//! so one big file still keeps every core busy), archives and standard input as bounded
//! streams.
//!
//! Plain files are read with `read` into a small per-thread buffer, not memory-mapped:
//! mapping and unmapping a file interrupts every other core to flush its address
//! translations, which with thousands of small hourly logs cost 15% of the run, and a
//! 64 KiB buffer stays in the core's cache between the copy and the scan, so large files
//! read as fast as through a map. Memory stays a buffer per thread whatever the file
//! sizes.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};

use crate::collect::{FileFate, Partial};
use crate::input::detect::{detect, Detected};
use crate::input::{read_full, LogFile, Source, GZIP_MAGIC, ZIP_MAGIC};
use crate::parse::header::strip_bom;
use crate::scan::{Origin, Scanner};

/// Bytes read to recognise a file by its header.
pub const HEAD_BYTES: usize = 64 * 1024;
/// Bytes decompressed per read from an archive.
const STREAM_BLOCK: usize = 1 << 20;

/// One unit of parallel work.
#[derive(Debug, Clone)]
pub enum Job {
    /// Bytes `[start, end)` of a plain file already recognised as a protocol log; a
    /// stretch owns the lines that *start* inside it.
    Stretch {
        file: u32,
        folder: u32,
        stretch: u32,
        start: u64,
        end: u64,
        detected: Detected,
    },
    /// A whole compressed file or archive member, recognised as it streams.
    Stream { file: u32, folder: u32 },
}

impl Job {
    /// Bytes this job will account for, for the progress bar.
    pub fn weight(&self, files: &[LogFile]) -> u64 {
        match self {
            Job::Stretch { start, end, .. } => end - start,
            Job::Stream { file, .. } => files[*file as usize].size,
        }
    }
}

/// The start of a file, enough to recognise it: the header block and the first whole
/// row. Read in steps, so a small hourly log is not read half again just to plan it.
fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    const STEP: usize = 8 * 1024;
    let mut handle = File::open(path)?;
    let mut head = Vec::with_capacity(STEP);
    while head.len() < HEAD_BYTES {
        let before = head.len();
        (&mut handle)
            .take(STEP.min(HEAD_BYTES - before) as u64)
            .read_to_end(&mut head)?;
        if head.len() == before || has_first_row(&head) {
            break;
        }
    }
    Ok(head)
}

/// Does `head` hold a whole line that is not a header (`#`) line?
fn has_first_row(head: &[u8]) -> bool {
    // What follows the last `\n` may be cut short: only whole lines count.
    let Some(end) = memchr::memrchr(b'\n', head) else {
        return false;
    };
    strip_bom(&head[..end]).split(|&b| b == b'\n').any(|l| {
        let l = l.strip_suffix(b"\r").unwrap_or(l);
        !l.is_empty() && l[0] != b'#'
    })
}

/// Records the verdict on a file's header; returns whether to read it.
fn note_detected(file: &LogFile, file_id: u32, detected: &Detected, out: &mut Partial) -> bool {
    match detected {
        Detected::ProtocolLog { warning, .. } => {
            out.file_fate(file_id, FileFate::Read);
            if let Some(w) = warning {
                out.warn(file_id, format!("{}: {}", file.label, w));
            }
            true
        }
        Detected::OtherLog(_) | Detected::Empty | Detected::NotALog => {
            out.file_fate(file_id, FileFate::Skipped);
            if let Some(kind) = detected.skip_kind() {
                out.skipped_kind(kind);
            }
            false
        }
    }
}

/// Plans one file: a plain file recognised as a protocol log is split into stretches of
/// about `stretch_bytes` bytes; a compressed source becomes one stream job. The header read
/// happens here, so a skipped file is counted once, in `out`.
pub fn plan_file(
    f: &LogFile,
    file: u32,
    folder: u32,
    stretch_bytes: u64,
    out: &mut Partial,
) -> Vec<Job> {
    if f.source != Source::Plain {
        return vec![Job::Stream { file, folder }];
    }
    let head = match read_head(&f.path) {
        Ok(h) => h,
        Err(e) => {
            unreadable(f, file, &e, out);
            return Vec::new();
        }
    };
    let detected = detect(&head, &f.label);
    if !note_detected(f, file, &detected, out) {
        return Vec::new();
    }
    let size = f.size.max(head.len() as u64);
    let count = size.div_ceil(stretch_bytes.max(1)).max(1);
    (0..count)
        .map(|stretch| Job::Stretch {
            file,
            folder,
            stretch: stretch as u32,
            start: stretch * stretch_bytes,
            end: ((stretch + 1) * stretch_bytes).min(size),
            detected: detected.clone(),
        })
        .collect()
}

/// Runs one job into `out`; `progress` is told how many bytes were dealt with.
pub fn run(job: &Job, files: &[LogFile], out: &mut Partial, progress: &dyn Fn(u64)) {
    match job {
        Job::Stretch {
            file,
            folder,
            stretch,
            start,
            end,
            detected,
        } => {
            let f = &files[*file as usize];
            let place = (*file, *folder, *stretch);
            if let Err(e) = read_stretch(f, place, (*start, *end), detected, WINDOW, out) {
                unreadable(f, *file, &e, out);
            }
            progress(end - start);
        }
        Job::Stream { file, folder } => {
            let f = &files[*file as usize];
            if let Err(e) = stream(f, *file, *folder, out, progress) {
                unreadable(f, *file, &e, out);
            }
        }
    }
}

/// A read of `f` failed: it is counted once as unreadable (whatever part of it was read
/// counts too), and its error is a warning. A file split into stretches that fail one by
/// one says so once per failure.
fn unreadable(f: &LogFile, file: u32, e: &std::io::Error, out: &mut Partial) {
    out.file_fate(file, FileFate::Unreadable);
    out.warn(file, format!("{}: {}", f.label, e));
}

/// Reads the lines starting in `[start, end)` of a plain file, `window` bytes at a time.
fn read_stretch(
    f: &LogFile,
    (file, folder, stretch): (u32, u32, u32),
    (start, end): (u64, u64),
    detected: &Detected,
    window: usize,
    out: &mut Partial,
) -> std::io::Result<()> {
    let Detected::ProtocolLog { kind, columns, .. } = detected else {
        return Ok(());
    };
    let mut handle = File::open(&f.path)?;
    let len = handle.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    let (begin, finish) = owned_lines(&mut handle, (start, end), len)?;
    if stretch == 0 || begin < finish {
        out.add_bytes(finish.max(begin) - begin);
    }
    let mut scanner = Scanner::new(Origin {
        file,
        stretch,
        folder,
        offset: begin,
        kind: *kind,
        columns: *columns,
    });
    handle.seek(SeekFrom::Start(begin))?;
    let mut reader = handle.take(finish.saturating_sub(begin));
    let result = scan_windows(&mut reader, &mut scanner, window, finish, out);
    scanner.finish(out);
    result
}

/// The bytes `[begin, finish)` holding the lines that start in `[start, end)` of a file
/// of `len` bytes, the BOM of its first line left out.
fn owned_lines(
    handle: &mut File,
    (start, end): (u64, u64),
    len: u64,
) -> std::io::Result<(u64, u64)> {
    let (start, end) = (start.min(len), end.min(len));
    // This stretch owns the lines starting in [start, end): skip the line we start inside
    // (the previous stretch reads it) and finish the line that crosses `end`.
    let begin = if start == 0 {
        let mut head = [0u8; 3];
        let n = read_at(handle, 0, &mut head)?;
        (n - strip_bom(&head[..n]).len()) as u64
    } else {
        line_end_after(handle, start - 1, len)?
    };
    let finish = if end >= len {
        len
    } else {
        line_end_after(handle, end - 1, len)?
    };
    Ok((begin, finish))
}

/// Scans what `reader` holds (the stretch, up to byte `finish` of the file) through the
/// worker's buffer, `window` bytes at a time.
fn scan_windows(
    reader: &mut std::io::Take<File>,
    scanner: &mut Scanner,
    window: usize,
    finish: u64,
    out: &mut Partial,
) -> std::io::Result<()> {
    BUFFER.with_borrow_mut(|buf| {
        // Back to `window` bytes if a long line grew it (the allocation stays).
        buf.resize(window, 0);
        // `buf[..filled]` holds what was read and not yet scanned: at most a partial line.
        let mut filled = 0;
        loop {
            let mut eof = false;
            while filled < buf.len() {
                match reader.read(&mut buf[filled..]) {
                    Ok(0) => {
                        eof = true;
                        break;
                    }
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => {
                        // Keep what was read; the sessions it opened become fragments.
                        scanner.feed(&buf[..filled], true, out);
                        let at = finish - reader.limit();
                        let message = format!("read stopped at byte {at}: {e}");
                        return Err(std::io::Error::new(e.kind(), message));
                    }
                }
            }
            let used = scanner.feed(&buf[..filled], eof, out);
            if eof {
                break;
            }
            if used == 0 {
                // One line longer than the buffer: grow it until the line fits.
                let grown = buf.len() * 2;
                buf.resize(grown, 0);
                continue;
            }
            buf.copy_within(used..filled, 0);
            filled -= used;
        }
        Ok(())
    })
}

/// Bytes read from a plain file at a time (see the module doc): small enough to stay in
/// the core's cache between the copy and the scan.
const WINDOW: usize = 64 << 10;

thread_local! {
    /// Each worker's read buffer, reused for every stretch it reads.
    static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Reads up to `buf.len()` bytes at `pos` (fewer only at the end of the file).
fn read_at(handle: &mut File, pos: u64, buf: &mut [u8]) -> std::io::Result<usize> {
    handle.seek(SeekFrom::Start(pos))?;
    read_full(handle, buf)
}

/// Where the line holding byte `pos` ends: just after the first `\n` at or after `pos`,
/// or `len`.
fn line_end_after(handle: &mut File, mut pos: u64, len: u64) -> std::io::Result<u64> {
    let mut block = [0u8; 4096];
    while pos < len {
        let n = read_at(handle, pos, &mut block)?;
        if n == 0 {
            break;
        }
        if let Some(i) = memchr::memchr(b'\n', &block[..n]) {
            return Ok(pos + i as u64 + 1);
        }
        pos += n as u64;
    }
    Ok(len)
}

fn fill(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut got = 0;
    let result = loop {
        match reader.read(&mut buf[start + got..]) {
            Ok(0) => break Ok(true),
            Ok(n) => {
                got += n;
                if got == want {
                    break Ok(false);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buf.truncate(start + got);
    result
}

fn stream(
    f: &LogFile,
    file: u32,
    folder: u32,
    out: &mut Partial,
    progress: &dyn Fn(u64),
) -> std::io::Result<()> {
    let result = match &f.source {
        Source::Stdin => stream_stdin(f, file, folder, out),
        source => File::open(&f.path).and_then(|mut h| match source {
            Source::Gzip => {
                let mut gz = flate2::read::MultiGzDecoder::new(BufReader::new(h));
                stream_from(&mut gz, f, file, folder, out)
            }
            // The member reader borrows the archive: both live on this stack frame.
            Source::ZipMember { index } => match zip::ZipArchive::new(h) {
                Ok(mut archive) => match archive.by_index(*index) {
                    Ok(mut member) => stream_from(&mut member, f, file, folder, out),
                    Err(e) => Err(std::io::Error::other(e)),
                },
                Err(e) => Err(std::io::Error::other(e)),
            },
            Source::Plain | Source::Stdin => stream_from(&mut h, f, file, folder, out),
        }),
    };
    progress(f.size);
    result
}

/// Standard input: its first bytes say plain or gzip (there is no file to look at
/// first), and are read again as the start of the stream. Never held whole in memory.
fn stream_stdin(f: &LogFile, file: u32, folder: u32, out: &mut Partial) -> std::io::Result<()> {
    let mut input = std::io::stdin().lock();
    let mut magic = [0u8; 4];
    // A failure here is counted as unreadable by the caller, as any stream's.
    let n = read_full(&mut input, &mut magic)?;
    let mut whole = (&magic[..n]).chain(input);
    if magic[..n].starts_with(GZIP_MAGIC) {
        let mut gz = flate2::read::MultiGzDecoder::new(BufReader::new(whole));
        stream_from(&mut gz, f, file, folder, out)
    } else if magic[..n].starts_with(ZIP_MAGIC) {
        // A zip archive's directory is at its end: it needs a file to seek in.
        Err(std::io::Error::other(
            "a zip archive cannot be read from standard input: give its path instead",
        ))
    } else {
        stream_from(&mut whole, f, file, folder, out)
    }
}

/// Reads a stream in bounded blocks: recognise the header, then scan.
fn stream_from(
    reader: &mut dyn Read,
    f: &LogFile,
    file: u32,
    folder: u32,
    out: &mut Partial,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(STREAM_BLOCK);
    let mut eof = fill(reader, &mut buf, HEAD_BYTES)?;
    let detected = detect(&buf, &f.label);
    if !note_detected(f, file, &detected, out) {
        return Ok(());
    }
    let Detected::ProtocolLog { kind, columns, .. } = detected else {
        return Ok(());
    };
    let bom = buf.len() - strip_bom(&buf).len();
    buf.drain(..bom);
    let mut scanner = Scanner::new(Origin {
        file,
        stretch: 0,
        folder,
        offset: bom as u64,
        kind,
        columns,
    });
    let mut read = bom as u64;
    let mut outcome = Ok(());
    loop {
        let used = scanner.feed(&buf, eof, out);
        read += used as u64;
        out.add_bytes(used as u64);
        buf.drain(..used);
        if eof {
            break;
        }
        // A line longer than the buffer makes the buffer grow; otherwise it stays bounded.
        match fill(reader, &mut buf, STREAM_BLOCK) {
            Ok(e) => eof = e,
            Err(e) => {
                // A damaged archive: keep what was read, say where it stopped.
                outcome = Err(std::io::Error::new(
                    e.kind(),
                    format!("read stopped after {read} bytes: {e}"),
                ));
                out.add_bytes(buf.len() as u64);
                scanner.feed(&buf, true, out);
                break;
            }
        }
    }
    scanner.finish(out);
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Source;

    #[test]
    fn has_first_row_needs_a_whole_data_line() {
        assert!(!has_first_row(b""));
        assert!(!has_first_row(b"#Software: x\r\n#Fields: a,b\r\n"));
        assert!(!has_first_row(
            b"#Fields: a,b\r\n2026-11-25T14:11:08.547Z,cut sho"
        ));
        assert!(has_first_row(b"\xEF\xBB\xBF#Fields: a,b\r\n2026,x\r\n"));
        assert!(has_first_row(b"2026,x\n"));
    }

    /// The stepped head read recognises every file as a 64 KiB read does, and reads on
    /// past a first row longer than one step.
    #[test]
    fn read_head_recognises_like_a_full_read() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs");
        let found = crate::input::Discovery::walk(std::slice::from_ref(&root));
        assert!(found.files.len() > 10);
        for f in found.files.iter().filter(|f| f.source == Source::Plain) {
            let mut full = Vec::new();
            File::open(&f.path)
                .unwrap()
                .take(HEAD_BYTES as u64)
                .read_to_end(&mut full)
                .unwrap();
            let head = read_head(&f.path).unwrap();
            assert_eq!(
                detect(&head, &f.label),
                detect(&full, &f.label),
                "{}",
                f.label
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("RECV2026112514-1.LOG");
        let long_row = format!("2026-11-25T14:11:08.547Z,{},x\r\n", "a".repeat(20_000));
        std::fs::write(
            &path,
            format!("#Log-type: SMTP Receive Protocol Log\r\n{long_row}"),
        )
        .unwrap();
        let head = read_head(&path).unwrap();
        assert!(
            head.len() > 20_000 && has_first_row(&head),
            "{}",
            head.len()
        );
    }

    /// A sample receive log read through windows of every size from tiny to whole, and
    /// cut into two stretches: the same sessions, rows and bytes every time.
    #[test]
    fn stretch_windows_give_the_same_sessions() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("sample-logs/EX02/FrontEnd/ProtocolLog/SmtpReceive/RECV20261125-1.LOG");
        let size = std::fs::metadata(&path).unwrap().len();
        let f = LogFile {
            label: path.display().to_string(),
            folder: String::new(),
            source: Source::Plain,
            size,
            path,
        };
        let detected = detect(&read_head(&f.path).unwrap(), &f.label);
        let read = |window: usize, cut: u64| {
            let mut out = Partial::default();
            for (stretch, range) in [(0, (0, cut)), (1, (cut, size))] {
                read_stretch(&f, (0, 0, stretch), range, &detected, window, &mut out).unwrap();
            }
            out.stitch();
            let cells: Vec<_> = (out.named_cells().into_iter())
                .map(|c| (c.peer.clone(), c.outcome.clone(), c.counts))
                .collect();
            (cells, out.stats().clone())
        };
        let whole = read(WINDOW, size);
        assert!(whole.1.sessions > 5, "{:?}", whole.1);
        assert_eq!(whole.1.bytes, size - 3, "all but the BOM");
        for window in [1, 7, 100, 4096, 5000] {
            for cut in [size / 3, size / 2 + 1] {
                let mut got = read(window, cut);
                got.1.stitched_sessions = whole.1.stitched_sessions;
                assert_eq!(got, whole, "window {window}, cut {cut}");
            }
        }
    }
}
