//! The pieces of a kept collection as the package in place holds them
//! deflated, recorded so that the next build's package takes over the
//! deflated bytes of every piece whose bytes did not change, and deflates
//! only the others (a one-note change touches a few of a collection's
//! 16 KiB pages, so a few of its 1 MiB pieces).
//!
//! Pieces are the fixed ranges `deflate` cuts a file into, each deflated on
//! its own and ending on a byte boundary: any of them can be copied from
//! one stream into another. What is read back is checked first, as OUT is
//! not trusted: a piece of the kept collection is taken for the recorded one
//! only when its bytes have the recorded checksum, and deflated bytes of the
//! package in place are copied only when they have theirs.

use std::fs::File;
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

use super::checksum;
use super::deflate::{final_block, Deflated, Piece, PieceOut, PIECE_BYTES};
use crate::files;
use crc32fast::Hasher;
use flate2::FlushCompress;
use serde::{Deserialize, Serialize};

/// What is recorded of one piece of the kept collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The checksum of its bytes, their number and CRC-32.
    pub checksum: String,
    pub bytes: u64,
    pub crc32: u32,
    /// Where it is deflated in the package in place: from the start of
    /// the collection entry's data, how many bytes, and their checksum.
    pub at: u64,
    pub deflated: u64,
    pub deflated_checksum: String,
}

/// Pieces handled at once, a run of them a core: as many whole pieces are
/// held in memory.
const BATCH: usize = 16;

/// The ranges of the pieces of a file of `size` bytes.
fn ranges(size: u64) -> Vec<Range<u64>> {
    (0..size.div_ceil(PIECE_BYTES))
        .map(|i| i * PIECE_BYTES..((i + 1) * PIECE_BYTES).min(size))
        .collect()
}

/// Whether the plain file at `collection` (no link) is the one `recorded`
/// describes: each piece's bytes with their checksum, nothing after.
pub(super) fn matches(collection: &Path, recorded: &[Recorded]) -> bool {
    let Ok(file) = files::open_regular_no_link(collection) else {
        return false;
    };
    let Ok(size) = file.metadata().map(|m| m.len()) else {
        return false;
    };
    let ranges = ranges(size);
    if ranges.len() != recorded.len() {
        return false;
    }
    let mut same = vec![false; ranges.len()];
    super::fill_on_every_core(&mut same, &ranges, |same, range| {
        *same = read_at(&file, range.clone())
            .is_ok_and(|bytes| checksum::of(&bytes) == recorded[index(range)].checksum);
    });
    same.into_iter().all(|same| same)
}

/// Records the pieces of the collection at `collection`, deflated as
/// `pieces` in the package at `package`.
pub(super) fn record(
    collection: &Path,
    package: &Path,
    pieces: &[PieceOut],
) -> anyhow::Result<Vec<Recorded>> {
    let collection = files::open_regular_no_link(collection)?;
    let package = files::open_regular_no_link(package)?;
    let data = collection_data_start(&package)?;
    let mut at = 0;
    let mut start = 0;
    let mut recorded = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let bytes = read_at(&collection, start..start + piece.bytes)?;
        let deflated = read_at(&package, data + at..data + at + piece.deflated)?;
        recorded.push(Recorded {
            checksum: checksum::of(&bytes),
            bytes: piece.bytes,
            crc32: piece.crc32,
            at,
            deflated: piece.deflated,
            deflated_checksum: checksum::of(&deflated),
        });
        start += piece.bytes;
        at += piece.deflated;
    }
    Ok(recorded)
}

/// Writes the collection at `collection` deflated into `out`, taking over
/// from the package at `package` the deflated bytes of each piece that
/// `recorded` has; returns what a zip entry records, and the new record.
pub(super) fn deflate_reusing(
    collection: &Path,
    package: &Path,
    recorded: &[Recorded],
    out: &mut dyn Write,
) -> anyhow::Result<(Deflated, Vec<Recorded>)> {
    let file = files::open_regular_no_link(collection)?;
    let size = file.metadata()?.len();
    // A package in place that cannot be read gives nothing to take over.
    let previous = files::open_regular_no_link(package)
        .ok()
        .and_then(|package| {
            let data = collection_data_start(&package).ok()?;
            Some((package, data))
        });
    let ranges = ranges(size);
    let mut crc = Hasher::new();
    let mut record = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for batch in ranges.chunks(BATCH) {
        let mut done: Vec<Option<io::Result<Done>>> = (0..batch.len()).map(|_| None).collect();
        super::fill_on_every_core(&mut done, batch, |done, range| {
            let prior = recorded.get(index(range));
            *done = Some(piece(&file, range.clone(), prior, previous.as_ref()));
        });
        for done in done {
            let done = done.expect("every piece is done")?;
            out.write_all(&done.deflated)?;
            crc.combine(&Hasher::new_with_initial_len(done.crc32, done.bytes));
            record.push(Recorded {
                checksum: done.checksum,
                bytes: done.bytes,
                crc32: done.crc32,
                at,
                deflated: done.deflated.len() as u64,
                deflated_checksum: done.deflated_checksum,
            });
            at += done.deflated.len() as u64;
        }
    }
    out.write_all(&final_block()?)?;
    let pieces = record
        .iter()
        .map(|r| PieceOut {
            bytes: r.bytes,
            crc32: r.crc32,
            deflated: r.deflated,
        })
        .collect();
    let deflated = Deflated {
        crc32: crc.finalize(),
        size,
        pieces,
    };
    Ok((deflated, record))
}

/// One piece deflated, or taken over.
struct Done {
    bytes: u64,
    crc32: u32,
    checksum: String,
    deflated: Vec<u8>,
    deflated_checksum: String,
}

/// The piece `range` of `file`: the deflated bytes of `prior` in the
/// package `previous` (its file, where the collection's data starts) when
/// its bytes are the ones recorded and so are those; else deflated.
fn piece(
    file: &File,
    range: Range<u64>,
    prior: Option<&Recorded>,
    previous: Option<&(File, u64)>,
) -> io::Result<Done> {
    let bytes = read_at(file, range)?;
    let checksum = checksum::of(&bytes);
    let crc32 = crc32fast::hash(&bytes);
    let taken_over = prior
        .filter(|prior| prior.checksum == checksum && prior.bytes == bytes.len() as u64)
        .zip(previous)
        .and_then(|(prior, (package, data))| {
            let start = data + prior.at;
            let deflated = read_at(package, start..start + prior.deflated).ok()?;
            (checksum::of(&deflated) == prior.deflated_checksum)
                .then(|| (deflated, prior.deflated_checksum.clone()))
        });
    let (deflated, deflated_checksum) = match taken_over {
        Some(taken_over) => taken_over,
        None => {
            let mut piece = Piece::new(bytes.len() as u64);
            piece.deflate(&bytes, FlushCompress::None)?;
            let deflated = piece.end()?;
            let checksum = checksum::of(&deflated);
            (deflated, checksum)
        }
    };
    Ok(Done {
        bytes: bytes.len() as u64,
        crc32,
        checksum,
        deflated,
        deflated_checksum,
    })
}

/// The number of the piece `range`.
fn index(range: &Range<u64>) -> usize {
    (range.start / PIECE_BYTES) as usize
}

/// Where the data of a package's first entry, its collection, starts: after
/// its local header, whose name and extra field lengths say how long it is.
fn collection_data_start(package: &File) -> io::Result<u64> {
    const NAME: &[u8] = b"collection.anki2";
    let header = read_at(package, 0..30 + NAME.len() as u64)?;
    let length = |at: usize| u64::from(u16::from_le_bytes([header[at], header[at + 1]]));
    if !header.starts_with(b"PK\x03\x04")
        || length(26) != NAME.len() as u64
        || &header[30..] != NAME
    {
        return Err(io::Error::other("not a package of notedeck's"));
    }
    Ok(30 + length(26) + length(28))
}

/// The bytes of `range` of `file`, all of them, read where they are (the
/// file's cursor, which other threads share, is left alone).
fn read_at(file: &File, range: Range<u64>) -> io::Result<Vec<u8>> {
    let mut bytes = vec![0; (range.end - range.start) as usize];
    #[cfg(unix)]
    std::os::unix::fs::FileExt::read_exact_at(file, &mut bytes, range.start)?;
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < bytes.len() {
            let read = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut bytes[done..],
                range.start + done as u64,
            )?;
            if read == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            done += read;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn only_pieces_whose_bytes_and_deflated_bytes_are_the_recorded_ones_are_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let collection = dir.path().join("c");
        let text: Vec<u8> = (0..3 * PIECE_BYTES + 500)
            .map(|i| b"abcdefgh"[(i * 7 % 8) as usize] ^ (i / 4096) as u8)
            .collect();
        std::fs::write(&collection, &text).unwrap();
        // A package of the collection alone: a local header, the stream.
        let package = dir.path().join("p");
        let mut stream = Vec::new();
        let (_, first) = deflate_reusing(&collection, &package, &[], &mut stream).unwrap();
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend([0; 22]);
        zip.extend([16, 0, 0, 0]);
        zip.extend(b"collection.anki2");
        zip.extend(&stream);
        std::fs::write(&package, &zip).unwrap();
        assert!(matches(&collection, &first));

        // One piece changed: the others are taken over as they were.
        let mut changed = text.clone();
        changed[PIECE_BYTES as usize + 10] ^= 1;
        std::fs::write(&collection, &changed).unwrap();
        assert!(!matches(&collection, &first));
        let mut again = Vec::new();
        let (deflated, second) =
            deflate_reusing(&collection, &package, &first, &mut again).unwrap();
        assert_eq!(deflated.crc32, crc32fast::hash(&changed));
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(&again[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == changed);
        assert_eq!(second[0], first[0]);
        assert_ne!(second[1].checksum, first[1].checksum);
        assert!(matches(&collection, &second));

        // Deflated bytes tampered in the package are not taken over.
        let mut tampered = zip.clone();
        let at = 46 + first[0].at as usize + 5;
        tampered[at] ^= 0xff;
        std::fs::write(&package, &tampered).unwrap();
        let mut third = Vec::new();
        deflate_reusing(&collection, &package, &second, &mut third).unwrap();
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(&third[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert!(inflated == changed);
    }
}
