//! Extraction throughput on one core: `notes/` repeated to at least 50 MB,
//! beside a bare pulldown-cmark parse of the same text as the peer.
//!
//!     cargo bench --bench extract [-- MEGABYTES]

use std::time::{Duration, Instant};

use notedeck::extract::extract_note;

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
        "corpus: {} notes of notes/ × {copies} = {:.1} MB",
        notes.len(),
        total as f64 / 1e6
    );

    let mut cards = 0;
    let extract = median_of(5, || {
        cards = 0;
        for _ in 0..copies {
            for (name, text) in &notes {
                cards += extract_note(name, text).len();
            }
        }
    });
    let parse = median_of(5, || {
        for _ in 0..copies {
            for (_, text) in &notes {
                std::hint::black_box(pulldown_cmark::Parser::new(text).count());
            }
        }
    });
    let mbps = |d: Duration| total as f64 / 1e6 / d.as_secs_f64();
    println!(
        "extract:        median {:>8.1} ms  {:>7.1} MB/s  {:>9.0} cards/s",
        extract.as_secs_f64() * 1e3,
        mbps(extract),
        cards as f64 / extract.as_secs_f64()
    );
    println!(
        "pulldown parse: median {:>8.1} ms  {:>7.1} MB/s  (peer: Markdown parsing alone)",
        parse.as_secs_f64() * 1e3,
        mbps(parse)
    );
    println!(
        "ratio: extraction takes {:.2}× the time of a bare parse",
        extract.as_secs_f64() / parse.as_secs_f64()
    );
}

fn load_notes() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("notes");
    notedeck::scan::find_notes(&root)
        .expect("notes/")
        .into_iter()
        .map(|path| {
            let text = notedeck::scan::read_note(&path).expect("a readable note");
            (notedeck::scan::relative_name(&root, &path), text)
        })
        .collect()
}

fn median_of(runs: usize, mut work: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}
