//! One raw deflate stream of a file, deflated in pieces on every core.
//!
//! A deflate stream can be cut where a sync flush leaves it: on a byte
//! boundary, after a block that is not the last. Pieces deflated apart, each
//! ending with a sync flush, then concatenated and closed by an empty final
//! block, are one valid stream (pigz writes its streams so). Each piece
//! starts with an empty window, which costs a few hundred bytes a piece. The
//! CRC-32 of the whole is combined from the pieces' own.
//!
//! The pieces are fixed byte ranges, deflated on their own: the stream is the
//! same whatever the number of cores, whichever thread took which piece and
//! when, so a package rebuilt from unchanged notes is the same file.
//!
//! A file still being written can have parts of it deflated early, on the
//! cores its writer leaves idle (`Deflater::deflate_early`); when the file is
//! complete, those parts are read again and any piece whose bytes changed
//! since is deflated anew.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::thread::{Scope, ScopedJoinHandle};

use crc32fast::Hasher;
use flate2::{Compress, Compression, FlushCompress};

/// Most bytes a piece holds: small, as only whole pieces are deflated early
/// (what is left of a final part goes with the rest at the end), yet the
/// restarted windows cost little (the benchmark's 72 MB collection in 70
/// pieces deflates 0.2% larger than in one).
pub(super) const PIECE_BYTES: u64 = 1 << 20;

/// Bytes read at a time: a thread holds one block and its piece deflated.
const BLOCK_BYTES: usize = 256 << 10;

/// Level 1: most of the size gain of deflate at a fraction of its time.
const LEVEL: u32 = 1;

/// Deflates one file on a thread a core: the parts of it that are final
/// while it is being written (`deflate_early`), the rest once it is complete
/// (`finish`).
pub(super) struct Deflater<'scope> {
    path: &'scope Path,
    piece_bytes: u64,
    /// Where the pieces deflated early start.
    early: BTreeSet<u64>,
    jobs: mpsc::Sender<Job>,
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    done: mpsc::Sender<io::Result<Done>>,
    results: mpsc::Receiver<io::Result<Done>>,
    /// The pieces deflated early, waiting for their turn in `spill`.
    waiting: Vec<io::Result<Done>>,
    spill: Option<File>,
    workers: Vec<ScopedJoinHandle<'scope, ()>>,
}

/// What the stream holds: the CRC-32 and size a zip entry records, and
/// its pieces in order (what a later stream may take over, `pieces`).
pub(super) struct Deflated {
    pub(super) crc32: u32,
    pub(super) size: u64,
    pub(super) pieces: Vec<PieceOut>,
}

/// One piece of a stream: its bytes' length and CRC-32, and the length of
/// it deflated (which ends on a byte boundary: it can be copied on its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PieceOut {
    pub(super) bytes: u64,
    pub(super) crc32: u32,
    pub(super) deflated: u64,
}

impl<'scope> Deflater<'scope> {
    /// Starts a thread on each core but this one's, waiting for pieces of the
    /// file at `path` to deflate. This thread joins them in `finish`.
    pub(super) fn start<'env>(scope: &'scope Scope<'scope, 'env>, path: &'scope Path) -> Self {
        Self::with_pieces_of(scope, path, PIECE_BYTES)
    }

    /// A deflater of pieces of `piece_bytes`.
    pub(super) fn with_pieces_of<'env>(
        scope: &'scope Scope<'scope, 'env>,
        path: &'scope Path,
        piece_bytes: u64,
    ) -> Self {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        // The pieces go to whichever thread is free first: a core that other
        // processes hold takes fewer.
        let (jobs, queue) = mpsc::channel();
        let queue = Arc::new(Mutex::new(queue));
        let (done, results) = mpsc::channel();
        let workers = (1..threads)
            .map(|_| {
                let (queue, done) = (Arc::clone(&queue), done.clone());
                scope.spawn(move || work(path, &queue, &done))
            })
            .collect();
        Deflater {
            path,
            piece_bytes,
            early: BTreeSet::new(),
            jobs,
            queue,
            done,
            results,
            waiting: Vec::new(),
            spill: None,
            workers,
        }
    }

    /// Deflates the whole pieces in `range` of the file, but those it
    /// deflates already, now, on the other cores: its bytes must be final
    /// (they are checked in `finish` all the same). The stream is the same as
    /// if they were deflated last.
    pub(super) fn deflate_early(&mut self, range: Range<u64>) {
        let ready: Vec<_> = self.results.try_iter().collect();
        self.spill(ready);
        for piece in split(range, self.piece_bytes) {
            if piece.end - piece.start == self.piece_bytes && self.early.insert(piece.start) {
                self.send(Job::Deflate(piece));
            }
        }
    }

    /// Moves the pieces deflated so far out of memory into a temporary file
    /// beside the collection: they wait there for the first piece, which is
    /// final only at the end (about 18 MB at 100,000 cards, a tenth of what
    /// a build holds at its peak).
    fn spill(&mut self, ready: Vec<io::Result<Done>>) {
        for done in ready {
            let spilled = done.and_then(|mut done| {
                if let Some(Output::Memory(bytes)) = &done.deflated {
                    let spill = match &mut self.spill {
                        Some(spill) => spill,
                        None => self.spill.insert(tempfile::tempfile_in(
                            self.path.parent().unwrap_or(Path::new(".")),
                        )?),
                    };
                    let at = spill.stream_position()?;
                    spill.write_all(bytes)?;
                    done.deflated = Some(Output::Spilled {
                        at,
                        len: bytes.len() as u64,
                    });
                }
                Ok(done)
            });
            self.waiting.push(spilled);
        }
    }

    /// Deflates the rest of the complete file, this thread helping, and
    /// writes the whole stream into `out`, each piece as soon as those before
    /// it are written.
    pub(super) fn finish(mut self, out: &mut (impl Write + ?Sized)) -> io::Result<Deflated> {
        // Those done since the last commit wait too: the first piece, the
        // header, is deflated last.
        let ready: Vec<_> = self.results.try_iter().collect();
        self.spill(ready);
        let size = fs::metadata(self.path)?.len();
        // In the file's order, as they will be written: the bytes between the
        // early pieces, and those pieces read again.
        let mut start = 0;
        for &early in &self.early {
            self.deflate(start..early);
            start = early + self.piece_bytes;
            self.send(Job::Check(early..start));
        }
        self.deflate(start..size);
        let Deflater {
            path,
            early,
            jobs,
            queue,
            done,
            results,
            waiting,
            spill,
            workers,
            ..
        } = self;
        drop(jobs);
        let mut stream = InOrder::new(path, out, early, spill);
        for done in waiting {
            stream.add(done?)?;
        }
        work_then(path, &queue, &done, || {
            results.try_iter().try_for_each(|done| stream.add(done?))
        })?;
        drop(done);
        for done in results {
            stream.add(done?)?;
        }
        for worker in workers {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        }
        stream.finish(size)
    }

    fn deflate(&self, range: Range<u64>) {
        for piece in split(range, self.piece_bytes) {
            self.send(Job::Deflate(piece));
        }
    }

    fn send(&self, job: Job) {
        // The queue's receiver lives as long as the deflater.
        self.jobs.send(job).expect("the queue is open");
    }
}

/// The pieces of `range`: it cut at every multiple of `piece_bytes`.
fn split(range: Range<u64>, piece_bytes: u64) -> impl Iterator<Item = Range<u64>> {
    let mut start = range.start;
    std::iter::from_fn(move || {
        (start < range.end).then(|| {
            let end = (start / piece_bytes + 1) * piece_bytes;
            let piece = start..end.min(range.end);
            start = piece.end;
            piece
        })
    })
}

enum Job {
    /// Deflate these bytes.
    Deflate(Range<u64>),
    /// The CRC-32 of these bytes as they are now: they were deflated early.
    Check(Range<u64>),
}

/// A job done: the CRC-32 of its bytes, and them deflated (a `Deflate`).
struct Done {
    range: Range<u64>,
    crc: Hasher,
    deflated: Option<Output>,
}

/// Where a piece deflated waits for its turn.
enum Output {
    Memory(Vec<u8>),
    /// In the deflater's spill file, at this offset.
    Spilled {
        at: u64,
        len: u64,
    },
}

impl Job {
    fn run(self, path: &Path) -> io::Result<Done> {
        let (range, deflate) = match self {
            Job::Deflate(range) => (range, true),
            Job::Check(range) => (range, false),
        };
        let len = range.end - range.start;
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(range.start))?;
        let mut file = file.take(len);
        let mut crc = Hasher::new();
        let mut piece = deflate.then(|| Piece::new(len));
        let mut block = vec![0; BLOCK_BYTES.min(len as usize)];
        let mut total = 0;
        loop {
            let read = file.read(&mut block)?;
            if read == 0 {
                break;
            }
            total += read as u64;
            crc.update(&block[..read]);
            if let Some(piece) = &mut piece {
                piece.deflate(&block[..read], FlushCompress::None)?;
            }
        }
        if total != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the file shrank while it was deflated",
            ));
        }
        Ok(Done {
            range,
            crc,
            deflated: piece.map(Piece::end).transpose()?.map(Output::Memory),
        })
    }
}

/// A piece being deflated.
pub(super) struct Piece {
    compress: Compress,
    deflated: Vec<u8>,
}

impl Piece {
    pub(super) fn new(len: u64) -> Self {
        Piece {
            compress: Compress::new(Compression::new(LEVEL), false),
            // A collection deflates to about a quarter.
            deflated: Vec::with_capacity(len as usize / 3 + 1024),
        }
    }

    pub(super) fn deflate(&mut self, mut input: &[u8], flush: FlushCompress) -> io::Result<()> {
        loop {
            if self.deflated.len() == self.deflated.capacity() {
                self.deflated.reserve(BLOCK_BYTES);
            }
            let before = self.compress.total_in();
            self.compress
                .compress_vec(input, &mut self.deflated, flush)
                .map_err(io::Error::other)?;
            input = &input[(self.compress.total_in() - before) as usize..];
            // As zlib documents it: the input is taken, and a flush complete,
            // once a call leaves output space unused.
            if input.is_empty() && self.deflated.len() < self.deflated.capacity() {
                return Ok(());
            }
        }
    }

    /// The piece deflated, ended by a sync flush: on a byte boundary, with
    /// no final block.
    pub(super) fn end(mut self) -> io::Result<Vec<u8>> {
        self.deflate(&[], FlushCompress::Sync)?;
        // The pieces deflated early wait in memory for their turn.
        self.deflated.shrink_to_fit();
        Ok(self.deflated)
    }
}

/// The empty final block that closes the stream.
pub(super) fn final_block() -> io::Result<Vec<u8>> {
    let mut piece = Piece::new(0);
    piece.deflate(&[], FlushCompress::Finish)?;
    Ok(piece.deflated)
}

/// Writes the pieces in the file's order as they come, once those deflated
/// early are checked against the file as it is now.
struct InOrder<'a, W: ?Sized> {
    path: &'a Path,
    out: &'a mut W,
    spill: Option<File>,
    early: BTreeSet<u64>,
    pieces: BTreeMap<u64, Done>,
    checks: HashMap<u64, u32>,
    written: u64,
    written_pieces: Vec<PieceOut>,
    crc: Hasher,
}

impl<'a, W: Write + ?Sized> InOrder<'a, W> {
    fn new(path: &'a Path, out: &'a mut W, early: BTreeSet<u64>, spill: Option<File>) -> Self {
        InOrder {
            path,
            out,
            spill,
            early,
            pieces: BTreeMap::new(),
            checks: HashMap::new(),
            written: 0,
            written_pieces: Vec::new(),
            crc: Hasher::new(),
        }
    }

    fn add(&mut self, done: Done) -> io::Result<()> {
        if done.deflated.is_some() {
            self.pieces.insert(done.range.start, done);
        } else {
            self.checks.insert(done.range.start, done.crc.finalize());
        }
        while let Some(entry) = self.pieces.first_entry() {
            if *entry.key() != self.written {
                break;
            }
            let mut piece = entry.remove();
            if self.early.contains(&piece.range.start) {
                let Some(&now) = self.checks.get(&piece.range.start) else {
                    // Its check is to come.
                    self.pieces.insert(piece.range.start, piece);
                    break;
                };
                if now != piece.crc.clone().finalize() {
                    piece = Job::Deflate(piece.range).run(self.path)?;
                }
            }
            let deflated = match piece.deflated {
                Some(Output::Memory(bytes)) => {
                    self.out.write_all(&bytes)?;
                    bytes.len() as u64
                }
                Some(Output::Spilled { at, len }) => {
                    let mut spill = self.spill.as_ref().expect("a piece spilled has a file");
                    spill.seek(SeekFrom::Start(at))?;
                    io::copy(&mut spill.take(len), self.out)?
                }
                None => 0,
            };
            self.written_pieces.push(PieceOut {
                bytes: piece.range.end - piece.range.start,
                crc32: piece.crc.clone().finalize(),
                deflated,
            });
            self.crc.combine(&piece.crc);
            self.written = piece.range.end;
        }
        Ok(())
    }

    fn finish(self, size: u64) -> io::Result<Deflated> {
        assert!(
            self.written == size && self.pieces.is_empty(),
            "a piece is missing"
        );
        self.out.write_all(&final_block()?)?;
        Ok(Deflated {
            crc32: self.crc.finalize(),
            size,
            pieces: self.written_pieces,
        })
    }
}

/// Runs the jobs of `queue` until it is empty, calling `between` after each.
fn work_then(
    path: &Path,
    queue: &Mutex<mpsc::Receiver<Job>>,
    done: &mpsc::Sender<io::Result<Done>>,
    mut between: impl FnMut() -> io::Result<()>,
) -> io::Result<()> {
    loop {
        let job = queue
            .lock()
            .expect("no thread panics holding the queue")
            .recv();
        let Ok(job) = job else { return Ok(()) };
        // The results are dropped before the end only when a job failed.
        if done.send(job.run(path)).is_err() {
            return Ok(());
        }
        between()?;
    }
}

fn work(path: &Path, queue: &Mutex<mpsc::Receiver<Job>>, done: &mpsc::Sender<io::Result<Done>>) {
    // A job's error goes through `done`.
    let _ = work_then(path, queue, done, || Ok(()));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text that deflates about as a collection does, with repeats that
    /// cross the pieces' boundaries.
    /// A file holding `bytes` in a temporary folder, gone with the folder.
    fn file_of(bytes: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("file");
        fs::write(&path, bytes).unwrap();
        (dir, path)
    }

    fn sample(len: usize, seed: u32) -> Vec<u8> {
        (seed..)
            .flat_map(|i| format!("{i} 監視のために使うサービスです。{}\n", i % 7).into_bytes())
            .take(len)
            .collect()
    }

    fn inflate(stream: &[u8]) -> Vec<u8> {
        let mut inflated = Vec::new();
        flate2::read::DeflateDecoder::new(stream)
            .read_to_end(&mut inflated)
            .unwrap();
        inflated
    }

    /// The stream and what it holds of the file at `path`, in pieces of 4 KiB,
    /// the `early` ranges deflated before `change` is made to the file.
    fn deflated(path: &Path, early: &[Range<u64>], change: impl FnOnce()) -> (Vec<u8>, Deflated) {
        let mut stream = Vec::new();
        let deflated = std::thread::scope(|scope| {
            let mut deflater = Deflater::with_pieces_of(scope, path, 4096);
            for range in early {
                deflater.deflate_early(range.clone());
            }
            change();
            deflater.finish(&mut stream).unwrap()
        });
        (stream, deflated)
    }

    #[test]
    fn pieces_concatenated_inflate_to_the_file_with_its_crc() {
        let bytes = sample(100_003, 0);
        let (_dir, path) = file_of(&bytes);
        let (stream, deflated) = deflated(&path, &[], || ());
        // 25 pieces, each ended by a sync flush's empty stored block.
        let flushes = stream.windows(4).filter(|w| w == &[0, 0, 0xff, 0xff]);
        assert_eq!(flushes.count(), 25);
        assert_eq!(inflate(&stream), bytes);
        assert_eq!(deflated.size, bytes.len() as u64);
        assert_eq!(deflated.crc32, crc32fast::hash(&bytes));
        assert!(stream.len() < bytes.len() / 3, "{}", stream.len());
    }

    #[test]
    fn the_stream_is_the_same_with_parts_deflated_early() {
        let bytes = sample(60_000, 0);
        let (_dir, path) = file_of(&bytes[..50_000]);
        // A part final, then more of it, as a collection's after each commit.
        let (early, _) = deflated(&path, &[10_000..25_000, 10_000..40_000], || {
            // The file grows after the early part.
            fs::write(&path, &bytes).unwrap();
        });
        let (whole, deflated) = deflated(&path, &[], || ());
        assert_eq!(early, whole);
        assert_eq!(inflate(&early), bytes);
        assert_eq!(deflated.crc32, crc32fast::hash(&bytes));
    }

    #[test]
    fn an_early_piece_whose_bytes_changed_since_is_deflated_again() {
        let (before, now) = (sample(5_000, 0), sample(5_000, 1));
        let (_dir, path) = file_of(&now);
        let stale = Done {
            range: 0..5_000,
            crc: Hasher::new_with_initial_len(crc32fast::hash(&before), 5_000),
            deflated: Some(Job::Deflate(0..5_000).run(&path).unwrap().deflated.unwrap()),
        };
        let check = Job::Check(0..5_000).run(&path).unwrap();
        let mut stream = Vec::new();
        let mut in_order = InOrder::new(&path, &mut stream, BTreeSet::from([0]), None);
        in_order.add(stale).unwrap();
        in_order.add(check).unwrap();
        let deflated = in_order.finish(5_000).unwrap();
        assert_eq!(inflate(&stream), now);
        assert_eq!(deflated.crc32, crc32fast::hash(&now));
    }

    #[test]
    fn pieces_deflated_early_wait_in_a_file_and_the_stream_is_the_same() {
        let bytes = sample(50_000, 0);
        let (_dir, path) = file_of(&bytes);
        let mut stream = Vec::new();
        std::thread::scope(|scope| {
            let mut deflater = Deflater::with_pieces_of(scope, &path, 4096);
            // Eight pieces deflated early, as a later commit finds them done.
            let ready = (2..10)
                .map(|i| {
                    deflater.early.insert(i * 4096);
                    Job::Deflate(i * 4096..(i + 1) * 4096).run(&path)
                })
                .collect();
            deflater.spill(ready);
            assert!(deflater.spill.is_some());
            let spilled = deflater.waiting.iter().filter(|done| {
                matches!(
                    done,
                    Ok(Done {
                        deflated: Some(Output::Spilled { .. }),
                        ..
                    })
                )
            });
            assert_eq!(spilled.count(), 8);
            deflater.finish(&mut stream).unwrap();
        });
        let (whole, _) = deflated(&path, &[], || ());
        assert_eq!(stream, whole);
        assert_eq!(inflate(&stream), bytes);
    }

    #[test]
    fn an_empty_file_is_an_empty_stream() {
        let (_dir, path) = file_of(b"");
        let (stream, deflated) = deflated(&path, &[], || ());
        assert!(inflate(&stream).is_empty());
        assert_eq!((deflated.size, deflated.crc32), (0, 0));
    }
}
