//! Reading: plain files through a memory map (large ones in stretches that end at line
//! ends, so one big file still keeps every core busy), archives as bounded streams.

use std::fs::File;
use std::io::{BufReader, Read};

use crate::collect::Partial;
use crate::input::detect::{detect, Detected};
use crate::input::{LogFile, Source};
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
        chunk: u32,
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

fn read_head(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEAD_BYTES);
    File::open(path)?
        .take(HEAD_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Records the verdict on a file's header; returns whether to read it.
fn note_detected(file: &LogFile, file_id: u32, detected: &Detected, out: &mut Partial) -> bool {
    match detected {
        Detected::ProtocolLog { warning, .. } => {
            out.stats.files_read += 1;
            if let Some(w) = warning {
                out.warnings
                    .push((file_id, format!("{}: {}", file.label, w)));
            }
            true
        }
        Detected::OtherLog(_) | Detected::Empty | Detected::NotALog => {
            out.stats.files_skipped += 1;
            false
        }
    }
}

/// Plans one file: a plain file recognised as a protocol log is split into stretches of
/// about `stretch` bytes; a compressed source becomes one stream job. The header read
/// happens here, so a skipped file is counted once, in `out`.
pub fn plan_file(f: &LogFile, file: u32, folder: u32, stretch: u64, out: &mut Partial) -> Vec<Job> {
    if f.source != Source::Plain {
        return vec![Job::Stream { file, folder }];
    }
    let head = match read_head(&f.path) {
        Ok(h) => h,
        Err(e) => {
            out.stats.files_unreadable += 1;
            out.warnings.push((file, format!("{}: {}", f.label, e)));
            return Vec::new();
        }
    };
    let detected = detect(&head, &f.label);
    if !note_detected(f, file, &detected, out) {
        return Vec::new();
    }
    let size = f.size.max(head.len() as u64);
    let count = size.div_ceil(stretch.max(1)).max(1);
    (0..count)
        .map(|chunk| Job::Stretch {
            file,
            folder,
            chunk: chunk as u32,
            start: chunk * stretch,
            end: ((chunk + 1) * stretch).min(size),
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
            chunk,
            start,
            end,
            detected,
        } => {
            let f = &files[*file as usize];
            let place = (*file, *folder, *chunk);
            if let Err(e) = stretch(f, place, (*start, *end), detected, WINDOW, out) {
                out.stats.files_unreadable += 1;
                out.warnings.push((*file, format!("{}: {}", f.label, e)));
            }
            progress(end - start);
        }
        Job::Stream { file, folder } => {
            let f = &files[*file as usize];
            if let Err(e) = stream(f, *file, *folder, out, progress) {
                out.warnings.push((*file, format!("{}: {}", f.label, e)));
            }
        }
    }
}

/// Reads the lines starting in `[start, end)` of a plain file, `window` bytes at a time.
fn stretch(
    f: &LogFile,
    (file, folder, chunk): (u32, u32, u32),
    (start, end): (u64, u64),
    detected: &Detected,
    mut window: usize,
    out: &mut Partial,
) -> std::io::Result<()> {
    let Detected::ProtocolLog { kind, columns, .. } = detected else {
        return Ok(());
    };
    let handle = File::open(&f.path)?;
    let len = handle.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    // SAFETY: the map is only read; a log file being appended to while we read it only
    // grows (Exchange never truncates), and we never read past the length we mapped.
    let map = unsafe { memmap2::Mmap::map(&handle)? };
    let bytes: &[u8] = &map;
    let (start, end) = (start.min(len) as usize, end.min(len) as usize);
    // This stretch owns the lines starting in [start, end): skip the line we start inside
    // (the previous stretch reads it) and finish the line that crosses `end`.
    let begin = if start == 0 {
        bytes.len() - strip_bom(bytes).len()
    } else {
        match memchr::memchr(b'\n', &bytes[start - 1..]) {
            Some(n) => start + n,
            None => bytes.len(),
        }
    };
    let finish = if end >= bytes.len() {
        bytes.len()
    } else {
        match memchr::memchr(b'\n', &bytes[end - 1..]) {
            Some(n) => end + n,
            None => bytes.len(),
        }
    };
    if chunk == 0 || begin < finish {
        out.stats.bytes += (finish.max(begin) - begin) as u64;
    }
    let mut scanner = Scanner::new(Origin {
        file,
        chunk,
        folder,
        offset: begin as u64,
        kind: *kind,
        columns: *columns,
    });
    // The stretch is read through a window of mapped pages that moves along it: the pages
    // behind the window are handed back, so resident memory stays at a window per thread
    // whatever the size of the stretch.
    let mut pos = begin;
    while pos < finish {
        let to = (pos + window).min(finish);
        populate(&map, pos, to);
        let used = scanner.feed(&bytes[pos..to], to == finish, out);
        if used == 0 {
            // One line longer than the window: widen it until the line fits.
            window *= 2;
            continue;
        }
        release(&map, pos, pos + used);
        pos += used;
    }
    scanner.finish(out);
    Ok(())
}

/// The bytes of a plain file mapped at a time (see [`stretch`]).
const WINDOW: usize = 4 << 20;
/// The smallest page size. On systems with larger pages the kernel rounds, and a page
/// dropped too early is only read again from the file.
const PAGE: usize = 4096;

/// Maps the pages of `[from, to)` in one call rather than one page fault per 4 KiB (a
/// quarter of a million faults per GiB otherwise). Older kernels say no; the pages then
/// fault in as usual.
fn populate(map: &memmap2::Mmap, from: usize, to: usize) {
    #[cfg(target_os = "linux")]
    {
        let from = from & !(PAGE - 1);
        let _ = map.advise_range(memmap2::Advice::PopulateRead, from, to.max(from) - from);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (map, from, to);
}

/// Hands back the whole pages of `[from, to)`, which will not be read again: they leave
/// the process's resident set (the page cache keeps them).
fn release(map: &memmap2::Mmap, from: usize, to: usize) {
    #[cfg(unix)]
    {
        let from = from & !(PAGE - 1);
        let to = to & !(PAGE - 1);
        if to > from {
            // SAFETY: `map` is a read-only shared file mapping, so MADV_DONTNEED only drops
            // the pages from our page tables: a later read faults them in again from the
            // file with the same bytes (it does not zero them, as it would for private
            // anonymous memory). Every slice into the map stays valid; we just do not
            // read behind `to` again.
            let _ = unsafe {
                map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, from, to - from)
            };
        }
    }
    #[cfg(not(unix))]
    let _ = (map, from, to);
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
    let opened = File::open(&f.path);
    let result = match (opened, &f.source) {
        (Err(e), _) => Err(e),
        (Ok(h), Source::Gzip) => {
            let mut gz = flate2::read::MultiGzDecoder::new(BufReader::new(h));
            stream_from(&mut gz, f, file, folder, out)
        }
        (Ok(h), Source::ZipMember { index }) => {
            // The member reader borrows the archive: both live on this stack frame.
            match zip::ZipArchive::new(h) {
                Ok(mut archive) => match archive.by_index(*index) {
                    Ok(mut member) => stream_from(&mut member, f, file, folder, out),
                    Err(e) => Err(std::io::Error::other(e)),
                },
                Err(e) => Err(std::io::Error::other(e)),
            }
        }
        (Ok(mut h), Source::Plain) => stream_from(&mut h, f, file, folder, out),
    };
    progress(f.size);
    result
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
    let mut eof = match fill(reader, &mut buf, HEAD_BYTES) {
        Ok(e) => e,
        Err(e) => {
            out.stats.files_unreadable += 1;
            return Err(e);
        }
    };
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
        chunk: 0,
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
        out.stats.bytes += used as u64;
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
                out.stats.bytes += buf.len() as u64;
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
            for (chunk, range) in [(0, (0, cut)), (1, (cut, size))] {
                stretch(&f, (0, 0, chunk), range, &detected, window, &mut out).unwrap();
            }
            out.stitch();
            let cells: Vec<_> = (out.named_cells().into_iter())
                .map(|c| (c.peer.clone(), c.outcome.clone(), c.counts))
                .collect();
            (cells, out.stats.clone())
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
