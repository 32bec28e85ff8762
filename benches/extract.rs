//! Extraction throughput on one core: `notes/` repeated to at least 50 MB,
//! beside a bare pulldown-cmark parse of the same text as the peer.
//!
//!     cargo bench --bench extract [-- MEGABYTES]
//!
//! Each figure is a median of five runs, by wall clock and by the CPU time
//! of the measuring thread: on a shared machine the wall clock also counts
//! the time other processes hold the core, the CPU time does not.

use std::time::{Duration, Instant};

use cpu_time::ThreadTime;
use notedeck::extract::extract_note;

const RUNS: usize = 5;

fn main() {
    let megabytes: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(50);
    let notes = load_notes();
    let one_pass: usize = notes.iter().map(|(_, text)| text.len()).sum();
    let copies = (megabytes << 20).div_ceil(one_pass);
    let total = one_pass * copies;
    println!(
        "corpus: {} notes of notes/ × {copies} = {:.1} MB; load before: {}",
        notes.len(),
        total as f64 / 1e6,
        load_average()
    );

    let mut cards = 0;
    let extract = Medians::of(|| {
        cards = 0;
        for _ in 0..copies {
            for (name, text) in &notes {
                cards += extract_note(name, text).len();
            }
        }
    });
    let parse = Medians::of(|| {
        for _ in 0..copies {
            for (_, text) in &notes {
                std::hint::black_box(pulldown_cmark::Parser::new(text).count());
            }
        }
    });
    let mbps = |d: Duration| total as f64 / 1e6 / d.as_secs_f64();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{:16}{:>28}{:>28}",
        "", "CPU time (median)", "wall clock (median)"
    );
    println!(
        "extract:        {:>10.1} ms {:>9.1} MB/s  {:>10.1} ms {:>9.1} MB/s  {:>8.0} cards/s (CPU)",
        ms(extract.cpu),
        mbps(extract.cpu),
        ms(extract.wall),
        mbps(extract.wall),
        cards as f64 / extract.cpu.as_secs_f64()
    );
    println!(
        "pulldown parse: {:>10.1} ms {:>9.1} MB/s  {:>10.1} ms {:>9.1} MB/s  (peer: Markdown parsing alone)",
        ms(parse.cpu),
        mbps(parse.cpu),
        ms(parse.wall),
        mbps(parse.wall)
    );
    println!(
        "ratio: extraction takes {:.2}× the time of a bare parse by CPU time, {:.2}× by wall clock",
        extract.cpu.as_secs_f64() / parse.cpu.as_secs_f64(),
        extract.wall.as_secs_f64() / parse.wall.as_secs_f64()
    );
    println!("load after: {}", load_average());
}

fn load_notes() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("notes");
    notedeck::notes::scan::find_notes(&root)
        .expect("notes/")
        .into_iter()
        .map(|path| {
            let text = notedeck::notes::scan::read_note(&path).expect("a readable note");
            (notedeck::notes::scan::relative_name(&root, &path), text)
        })
        .collect()
}

/// The median wall-clock and CPU times of `RUNS` runs of some work.
struct Medians {
    wall: Duration,
    cpu: Duration,
}

impl Medians {
    fn of(mut work: impl FnMut()) -> Self {
        let (mut wall, mut cpu): (Vec<Duration>, Vec<Duration>) = (0..RUNS)
            .map(|_| {
                let (start, start_cpu) = (Instant::now(), ThreadTime::now());
                work();
                (start.elapsed(), start_cpu.elapsed())
            })
            .unzip();
        wall.sort();
        cpu.sort();
        Medians {
            wall: wall[RUNS / 2],
            cpu: cpu[RUNS / 2],
        }
    }
}

/// The machine's load averages over 1, 5 and 15 minutes, where the system
/// tells them: how busy the shared cores were around the measurement.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_string())
}
