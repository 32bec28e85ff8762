//! Build and search figures on generated notes (a benchmark, not a test).
//!
//!     cargo bench --bench build_search -- [--sizes 10000,100000,1000000] [--runs 30] [--dir DIR]
//!
//! For each size it generates Japanese notes from the repository's `notes/`,
//! each card given a unique term, and measures a first build (MB/s, cards/s,
//! peak memory of the process; the median of `--build-runs`, default 3).
//! Up to 100,000 cards, genanki (`benches/genanki_100k.py`, through
//! `NOTEDECK_PYTHON`, default `.venv/bin/python`) then writes the same cards,
//! read from the index, as one package in the same run: the goal is a first
//! build faster than genanki alone, in at most half its memory. Each corpus
//! then has one note edited and is built again, in the same run as its
//! first build (goal at 100,000 cards: at most 1/20 of it). Then a no-op
//! rebuild of 1,000 unchanged files (goal < 30 ms) and a one-file change.
//! Then, over each corpus, search latency in process and as a whole command,
//! beside `rg` over the same notes. With `--dir`, the corpora and their
//! indexes are made and kept there instead of in a temporary folder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use std::io::{BufWriter, Write};

use notedeck::build::index_path;
use notedeck::index::{self, Index};
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
    let build_runs: usize = option("--build-runs").map_or(3, |r| {
        r.parse::<usize>().expect("--build-runs: a number").max(1)
    });

    let generator = Generator::new();
    let temporary = tempfile::tempdir().expect("a temporary folder");
    let work = option("--dir").map_or_else(|| temporary.path().to_path_buf(), Into::into);
    println!(
        "notedeck build/search benchmark · {} cards a generated note of {:.1} KB · exporters as built",
        generator.cards_per_note,
        generator.template.len() as f64 / 1024.0
    );

    println!("\n## First build (median of {build_runs})");
    let mut corpora: Vec<(PathBuf, u64)> = Vec::new();
    for &cards in &sizes {
        let corpus = work.join(format!("c{cards}"));
        let made = generator.write(
            &corpus.join("notes"),
            cards.div_ceil(generator.cards_per_note),
        );
        let out = corpus.join("out");
        let builds: Vec<Timed> = (0..build_runs)
            .map(|_| {
                if out.exists() {
                    std::fs::remove_dir_all(&out).unwrap();
                }
                timed_build(&corpus.join("notes"), &out)
            })
            .collect();
        let build = Timed::median(&builds);
        let indexed = card_count(&out);
        let time = build.time;
        println!(
            "{indexed:>9} cards · {:>5} files · {:>7.1} MB · {:>7.2} s · {:>6.1} MB/s · {:>8.0} cards/s · peak RSS {} · exit {}",
            made.files,
            made.bytes as f64 / 1e6,
            time.as_secs_f64(),
            made.bytes as f64 / 1e6 / time.as_secs_f64(),
            indexed as f64 / time.as_secs_f64(),
            mb(build.peak_kb),
            build.code,
        );
        if cards <= GENANKI_UP_TO {
            compare_with_genanki(&out, &build, build_runs);
        }
        one_note_edit(&corpus.join("notes"), &out, &build, runs.min(10));
        corpora.push((corpus, indexed));
    }

    println!("\n## Rebuilds of 1,000 files");
    let corpus = work.join("rebuild");
    generator.write(&corpus.join("notes"), 1000);
    let (notes, out) = (corpus.join("notes"), corpus.join("out"));
    timed_build(&notes, &out);
    let noop: Vec<Duration> = (0..runs).map(|_| timed_build(&notes, &out).time).collect();
    let noop = median(&noop);
    println!(
        "no-op rebuild      median {}  (goal < {}: {})",
        ms(noop),
        ms(NOOP_GOAL),
        if noop < NOOP_GOAL { "met" } else { "not met" }
    );
    let changed_note = notes.join("part000/note00000.md");
    let one: Vec<Duration> = (0..runs.min(10))
        .map(|i| {
            let mut text = std::fs::read_to_string(&changed_note).unwrap();
            text.push_str(&format!("\n- 追加{i}: 一つのファイルの変更\n"));
            std::fs::write(&changed_note, text).unwrap();
            timed_build(&notes, &out).time
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

/// A rebuild after one note is edited (a term added to it), beside the
/// first build of the same corpus in the same run: the whole package is
/// one output, so its cost is what the rebuild of one note's change costs.
fn one_note_edit(notes: &Path, out: &Path, first: &Timed, runs: usize) {
    let note = notes.join("part000/note00000.md");
    let original = std::fs::read_to_string(&note).unwrap();
    let edits: Vec<Duration> = (0..runs)
        .map(|i| {
            std::fs::write(
                &note,
                format!("{original}\n- 追加{i}: 一つのノートの変更\n"),
            )
            .unwrap();
            let run = timed_build(notes, out);
            assert_eq!(run.code, 0, "the rebuild failed");
            run.time
        })
        .collect();
    let edit = median(&edits);
    println!(
        "          one note edited, then build: median {} of {runs} · {:.3}× the first build (goal ≤ 0.05×)",
        ms(edit),
        edit.as_secs_f64() / first.time.as_secs_f64()
    );
    std::fs::write(&note, original).unwrap();
    timed_build(notes, out);
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
        let template: String = notedeck::notes::scan::find_notes(&notes)
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

/// Corpora up to this many cards are also written by genanki.
const GENANKI_UP_TO: usize = 100_000;

/// A rebuild of 1,000 unchanged files must take less.
const NOOP_GOAL: Duration = Duration::from_millis(30);

/// One run of a command: wall time, peak resident memory, exit code.
#[derive(Debug, Clone, Copy)]
struct Timed {
    time: Duration,
    peak_kb: Option<u64>,
    code: i32,
}

impl Timed {
    /// The run of median time.
    fn median(runs: &[Timed]) -> Timed {
        let mut sorted = runs.to_vec();
        sorted.sort_by_key(|run| run.time);
        sorted[(sorted.len() - 1) / 2]
    }
}

/// Runs `notedeck build`, under `/usr/bin/time -v` when there is one for the
/// peak resident memory.
fn timed_build(notes: &Path, out: &Path) -> Timed {
    let mut command = Command::new(BINARY);
    command
        .arg("build")
        .arg("--notes")
        .arg(notes)
        .arg("--out")
        .arg(out);
    timed(command).0
}

/// Runs `command` under `/usr/bin/time -v` when there is one; returns the
/// run and its standard output.
fn timed(command: Command) -> (Timed, String) {
    let time = Path::new("/usr/bin/time");
    let mut command = if time.exists() {
        let mut timed = Command::new(time);
        timed
            .arg("-v")
            .arg(command.get_program())
            .args(command.get_args());
        timed
    } else {
        command
    };
    let start = Instant::now();
    let output = command.output().expect("the command runs");
    let elapsed = start.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|kb| kb.trim().parse().ok());
    let run = Timed {
        time: elapsed,
        peak_kb: peak,
        code: output.status.code().unwrap_or(-1),
    };
    (run, String::from_utf8_lossy(&output.stdout).into_owned())
}

/// genanki writing the cards of the index in `out` as one package, in the
/// same run as the build it is compared with: its whole process (Python
/// started, the cards loaded) and its own time for the writing alone.
fn compare_with_genanki(out: &Path, build: &Timed, runs: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("NOTEDECK_PYTHON")
        .unwrap_or_else(|_| root.join(".venv/bin/python").display().to_string());
    let has_genanki = Command::new(&python)
        .args(["-c", "import genanki"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_genanki {
        println!("          genanki: skipped, {python} has no genanki (pip install -r tests/anki/requirements.txt)");
        return;
    }
    let work = tempfile::tempdir().expect("a temporary folder");
    let cards_path = work.path().join("cards.jsonl");
    write_cards(out, &cards_path);
    let runs: Vec<(Timed, f64)> = (0..runs)
        .map(|_| {
            let mut command = Command::new(&python);
            command
                .arg(root.join("benches/genanki_100k.py"))
                .arg(&cards_path)
                .arg(work.path().join("genanki.apkg"));
            let (run, stdout) = timed(command);
            assert_eq!(run.code, 0, "genanki failed");
            // It prints `seconds peak_kib file_bytes`.
            let inside: f64 = stdout
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .expect("genanki's own time");
            (run, inside)
        })
        .collect();
    let whole = Timed::median(&runs.iter().map(|(run, _)| *run).collect::<Vec<_>>());
    let mut inside: Vec<f64> = runs.iter().map(|(_, inside)| *inside).collect();
    inside.sort_by(f64::total_cmp);
    let inside = inside[(inside.len() - 1) / 2];
    let build_s = build.time.as_secs_f64();
    println!(
        "          genanki, the same notes as one package: {:.2} s writing, {:.2} s whole process · peak RSS {}",
        inside,
        whole.time.as_secs_f64(),
        mb(whole.peak_kb),
    );
    let memory = match (build.peak_kb, whole.peak_kb) {
        (Some(ours), Some(theirs)) => format!("{:.2}×", ours as f64 / theirs as f64),
        _ => "unknown".into(),
    };
    println!(
        "          first build vs genanki: {:.2}× its writing time, {:.2}× its whole process, {memory} its memory (goal: < 1× its writing, ≤ 0.5× memory)",
        build_s / inside,
        build_s / whole.time.as_secs_f64(),
    );
}

/// The cards of the index in `out` as the JSON lines genanki_100k.py reads.
fn write_cards(out: &Path, path: &Path) {
    let index = Index::open(&index_path(out)).unwrap();
    let mut file = BufWriter::new(std::fs::File::create(path).unwrap());
    for indexed in index::cards(index.connection(), None).unwrap() {
        let line = serde_json::json!({ "card": indexed.card, "changed": indexed.changed });
        writeln!(file, "{line}").unwrap();
    }
    file.flush().unwrap();
}

fn mb(kb: Option<u64>) -> String {
    kb.map_or("unavailable".into(), |kb| {
        format!("{:.1} MB", kb as f64 / 1024.0)
    })
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
                    grep.push(wall_time(
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

/// How long `command` takes, start to exit.
fn wall_time(command: &mut Command) -> Duration {
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
