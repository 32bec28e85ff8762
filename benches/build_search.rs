//! Build and search figures on generated notes (a benchmark, not a test).
//!
//!     cargo bench --bench build_search -- [--sizes 10000,100000,1000000] [--runs 30] [--dir DIR]
//!
//! For each size it generates Japanese notes from the repository's `notes/`,
//! each card given a unique term, and measures a full build (MB/s, cards/s,
//! peak memory of the process). Then a no-op rebuild of 1,000 unchanged files
//! and a one-file change. Then, over each corpus, search latency in process
//! and as a whole command, beside `rg` over the same notes. With `--dir`, the corpora and their indexes are
//! made and kept there instead of in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use notedeck::build::index_path;
use notedeck::index::Index;
use notedeck::search::{self, Filters};

const BINARY: &str = env!("CARGO_BIN_EXE_notedeck");

/// Queries by kind: one, two and four characters of Japanese, and Latin.
/// These are common words: each matches a large share of the cards.
const QUERIES: [(&str, [&str; 3]); 4] = [
    ("1 char", ["監", "設", "キ"]),
    ("2 chars", ["監視", "通知", "設定"]),
    ("4 chars", ["リソース", "ポリシー", "サービス"]),
    ("Latin", ["cfn-signal", "dlq", "systems manager"]),
];

/// Katakana for unique terms: a number written in them (`ン` between two
/// numbers) is a word no note has.
const KANA: &str =
    "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワ";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let sizes: Vec<usize> = option("--sizes")
        .unwrap_or_else(|| "10000,100000,1000000".into())
        .split(',')
        .map(|s| {
            s.trim()
                .parse()
                .expect("--sizes: card counts, comma-separated")
        })
        .collect();
    let runs: usize = option("--runs").map_or(30, |r| r.parse().expect("--runs: a number"));

    let generator = Generator::new();
    let temporary = tempfile::tempdir().expect("a temporary folder");
    let work = option("--dir").map_or_else(|| temporary.path().to_path_buf(), Into::into);
    println!(
        "notedeck build/search benchmark · {} cards a generated note of {:.1} KB · exporters as built",
        generator.cards_per_note,
        generator.template.len() as f64 / 1024.0
    );

    println!("\n## Full build");
    let mut corpora: Vec<(PathBuf, u64)> = Vec::new();
    for &cards in &sizes {
        let corpus = work.join(format!("c{cards}"));
        let made = generator.write(
            &corpus.join("notes"),
            cards.div_ceil(generator.cards_per_note),
        );
        let out = corpus.join("out");
        let (time, peak_kb, code) = timed_build(&corpus.join("notes"), &out);
        let indexed = card_count(&out);
        println!(
            "{indexed:>9} cards · {:>5} files · {:>7.1} MB · {:>7.2} s · {:>6.1} MB/s · {:>8.0} cards/s · peak RSS {} · exit {code}",
            made.files,
            made.bytes as f64 / 1e6,
            time.as_secs_f64(),
            made.bytes as f64 / 1e6 / time.as_secs_f64(),
            indexed as f64 / time.as_secs_f64(),
            peak_kb.map_or("unavailable".into(), |kb| format!("{:.1} MB", kb as f64 / 1024.0)),
        );
        corpora.push((corpus, indexed));
    }

    println!("\n## Rebuilds of 1,000 files");
    let corpus = work.join("rebuild");
    generator.write(&corpus.join("notes"), 1000);
    let (notes, out) = (corpus.join("notes"), corpus.join("out"));
    timed_build(&notes, &out);
    let noop: Vec<Duration> = (0..runs).map(|_| timed_build(&notes, &out).0).collect();
    println!(
        "no-op rebuild      median {}  (goal < 100 ms)",
        ms(median(&noop))
    );
    let changed_note = notes.join("part000/note00000.md");
    let one: Vec<Duration> = (0..runs.min(10))
        .map(|i| {
            let mut text = std::fs::read_to_string(&changed_note).unwrap();
            text.push_str(&format!("\n- 追加{i}: 一つのファイルの変更\n"));
            std::fs::write(&changed_note, text).unwrap();
            timed_build(&notes, &out).0
        })
        .collect();
    println!("one-file change    median {}", ms(median(&one)));

    for (corpus, cards) in corpora {
        let mut queries: Vec<(&str, Vec<String>)> = QUERIES
            .iter()
            .map(|(kind, words)| (*kind, words.iter().map(|w| w.to_string()).collect()))
            .collect();
        // What a reader looks up most: one card's own term.
        queries.push(("unique", unique_terms(&corpus.join("out"), cards)));
        search_latency(&corpus, cards, &queries, runs);
    }
}

/// Notes made from the repository's, each card with a term of its own.
struct Generator {
    template: String,
    cards_per_note: usize,
}

struct Made {
    files: usize,
    bytes: u64,
}

impl Generator {
    fn new() -> Generator {
        let notes = Path::new(env!("CARGO_MANIFEST_DIR")).join("notes");
        let template: String = notedeck::scan::find_notes(&notes)
            .expect("the repository's notes")
            .iter()
            .map(|path| std::fs::read_to_string(path).expect("a note"))
            .collect::<Vec<_>>()
            .join("\n");
        let mut generator = Generator {
            template,
            cards_per_note: 1,
        };
        let sample = generator.note(0);
        generator.cards_per_note = notedeck::extract::extract_note("sample.md", &sample)
            .len()
            .max(1);
        generator
    }

    /// Note `n`: the template with a unique title and a unique term at the
    /// start of every list item.
    fn note(&self, n: usize) -> String {
        let mut text = String::with_capacity(self.template.len() + 4096);
        let mut item = 0;
        for line in self.template.lines() {
            let indent = line.len() - line.trim_start().len();
            if let Some(rest) = line.trim_start().strip_prefix("- ") {
                text.push_str(&format!("{}- {} {rest}\n", &line[..indent], term(n, item)));
                item += 1;
            } else if let Some(title) = line.strip_prefix("# ") {
                text.push_str(&format!("# {title} {}\n", kana(n)));
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
        text
    }

    /// Writes `files` notes, 100 a folder.
    fn write(&self, notes: &Path, files: usize) -> Made {
        let mut bytes = 0;
        for n in 0..files {
            let path = notes.join(format!("part{:03}/note{n:05}.md", n / 100));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let text = self.note(n);
            bytes += text.len() as u64;
            std::fs::write(path, text).unwrap();
        }
        Made { files, bytes }
    }
}

/// The unique term of item `item` of note `n`.
fn term(n: usize, item: usize) -> String {
    format!("{}ン{}", kana(n), kana(item))
}

/// `n` written in katakana.
fn kana(mut n: usize) -> String {
    let digits: Vec<char> = KANA.chars().collect();
    let mut word = vec![digits[n % digits.len()]];
    n /= digits.len();
    while n > 0 {
        word.push(digits[n % digits.len()]);
        n /= digits.len();
    }
    word.into_iter().collect()
}

/// Runs `notedeck build`, under `/usr/bin/time -v` when there is one for the
/// peak resident memory. Returns the wall time, peak KB and exit code.
fn timed_build(notes: &Path, out: &Path) -> (Duration, Option<u64>, i32) {
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut c = Command::new(time);
        c.arg("-v").arg(BINARY);
        c
    } else {
        Command::new(BINARY)
    };
    command
        .arg("build")
        .arg("--notes")
        .arg(notes)
        .arg("--out")
        .arg(out);
    let start = Instant::now();
    let output = command.output().expect("notedeck runs");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|kb| kb.trim().parse().ok());
    (elapsed, peak, output.status.code().unwrap_or(-1))
}

fn card_count(out: &Path) -> u64 {
    let index = Index::open(&index_path(out)).unwrap();
    index
        .connection()
        .query_row("SELECT count(*) FROM cards", [], |row| row.get(0))
        .unwrap()
}

/// The unique terms (the first word of the front) of three cards spread
/// over the index.
fn unique_terms(out: &Path, cards: u64) -> Vec<String> {
    let index = Index::open(&index_path(out)).unwrap();
    [2, 3, 5]
        .iter()
        .map(|part| {
            let front: String = index
                .connection()
                .query_row(
                    "SELECT front FROM cards LIMIT 1 OFFSET ?1",
                    [cards / part],
                    |row| row.get(0),
                )
                .unwrap();
            front
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

/// Query latency in process (the top 20, snippets included), then the
/// whole command beside `rg` over the same notes, run in turns so that both
/// meet the same load.
fn search_latency(corpus: &Path, cards: u64, queries: &[(&str, Vec<String>)], runs: usize) {
    let notes = corpus.join("notes");
    let out = corpus.join("out");
    let index = Index::open(&index_path(&out)).unwrap();
    let rg = Command::new("rg").arg("--version").output().is_ok();
    println!(
        "\n## Search over {cards} cards (top 20; {runs} runs of each of 3 queries a kind: p50 / p99)"
    );
    println!(
        "{:<8}  {:>17}  {:>17}  {:>17}  {:>9}",
        "kind", "in process", "`notedeck search`", "`rg -l -i -F`", "p50 ratio"
    );
    for (kind, queries) in queries {
        let mut inside = Vec::new();
        let mut found = 0;
        for query in queries {
            for _ in 0..runs {
                let start = Instant::now();
                found = search::search(index.connection(), query, &Filters::default(), 20)
                    .unwrap()
                    .len();
                inside.push(start.elapsed());
            }
        }
        let (mut whole, mut grep) = (Vec::new(), Vec::new());
        for query in queries {
            for _ in 0..runs {
                whole.push(whole_search(&out, query));
                if rg {
                    grep.push(timed(
                        Command::new("rg")
                            .args(["-l", "-i", "-F", query])
                            .arg(&notes),
                    ));
                }
            }
        }
        let ratio = if rg {
            format!("{:.2}×", ratio(&whole, &grep))
        } else {
            "rg: none".into()
        };
        println!(
            "{kind:<8}  {:>17}  {:>17}  {:>17}  {ratio:>9}  ({found} hits for {:?})",
            p50_p99(&mut inside),
            p50_p99(&mut whole),
            if rg {
                p50_p99(&mut grep)
            } else {
                "not installed".into()
            },
            queries[2]
        );
    }
}

/// One `notedeck search QUERY --out OUT`, as a user types it: the notes
/// folder is the one the index was built from, checked for changes.
fn whole_search(out: &Path, query: &str) -> Duration {
    let mut command = Command::new(BINARY);
    command.args(["search", query, "--out"]).arg(out);
    let start = Instant::now();
    let output = command.output().expect("notedeck runs");
    let elapsed = start.elapsed();
    // Measuring a stale index would measure the slow path of the check.
    assert!(
        output.stderr.is_empty(),
        "notedeck search {query}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn timed(command: &mut Command) -> Duration {
    let start = Instant::now();
    command.output().expect("the command runs");
    start.elapsed()
}

/// p50 / p99 of `times`, sorting them.
fn p50_p99(times: &mut [Duration]) -> String {
    times.sort();
    format!(
        "{:.1} / {:.1} ms",
        percentile(times, 50).as_secs_f64() * 1000.0,
        percentile(times, 99).as_secs_f64() * 1000.0
    )
}

/// How many times `a`'s median is `b`'s.
fn ratio(a: &[Duration], b: &[Duration]) -> f64 {
    median(a).as_secs_f64() / median(b).as_secs_f64()
}

fn median(times: &[Duration]) -> Duration {
    let mut sorted = times.to_vec();
    sorted.sort();
    percentile(&sorted, 50)
}

/// The `p`th percentile of sorted times.
fn percentile(sorted: &[Duration], p: usize) -> Duration {
    let rank = (sorted.len() * p).div_ceil(100).max(1) - 1;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(time: Duration) -> String {
    format!("{:.1} ms", time.as_secs_f64() * 1000.0)
}
