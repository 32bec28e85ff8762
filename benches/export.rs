//! Benchmark (not a test): writing 100,000 cards as one `.apkg`, beside
//! genanki (Python) writing the same cards in the same run.
//!
//!     cargo bench --bench export
//!
//! The cards are synthetic Japanese notes, written once to a JSONL file that
//! both sides read. Each run is a child process that loads the cards, times
//! the writing alone, and reports its own peak memory (VmHWM, Linux), so the
//! two peaks count the same things: the interpreter or program, the cards
//! in memory, and the writer. Time is the median of the runs. notedeck's
//! runs also report the CPU time of the thread that writes (`ThreadTime`):
//! the other threads' work overlaps it, so on a machine with a core to spare
//! the time comes near it; on a loaded one the two tell the load's share
//! from the writer's.
//!
//! Environment: `BENCH_CARDS` (100000), `BENCH_RUNS` (5), `NOTEDECK_PYTHON`
//! (`.venv/bin/python`, with genanki from tests/anki/requirements.txt).

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use cpu_time::ThreadTime;
use notedeck::card::IndexedCard;
use notedeck::card::{Card, Kind};
use notedeck::export::{file_stem, stage, OutputFormat, Source};

const DECK: &str = "bench::日本語";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--child") {
        child(Path::new(&args[2]), Path::new(&args[3]), &args[4]);
        return;
    }
    let count: usize = env_or("BENCH_CARDS", 100_000);
    let runs: usize = env_or("BENCH_RUNS", 5);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("NOTEDECK_PYTHON")
        .unwrap_or_else(|_| root.join(".venv/bin/python").display().to_string());
    let work = tempfile::tempdir().expect("temporary folder");
    let cards_path = work.path().join("cards.jsonl");
    write_cards(&cards_path, count);
    println!("{count} cards, {runs} runs each, one deck");

    let exe = std::env::current_exe().expect("own path");
    let rust_apkg = measure(runs, || {
        let mut cmd = Command::new(&exe);
        cmd.args(["--child"])
            .arg(&cards_path)
            .arg(work.path().join("rust"))
            .arg("apkg");
        cmd
    });
    report("notedeck apkg", &rust_apkg);
    let rust_csv = measure(runs, || {
        let mut cmd = Command::new(&exe);
        cmd.args(["--child"])
            .arg(&cards_path)
            .arg(work.path().join("rust"))
            .arg("csv");
        cmd
    });
    report("notedeck csv", &rust_csv);
    let rust_both = measure(runs, || {
        let mut cmd = Command::new(&exe);
        cmd.args(["--child"])
            .arg(&cards_path)
            .arg(work.path().join("rust"))
            .arg("apkg,csv");
        cmd
    });
    report("notedeck both", &rust_both);

    let script = root.join("benches/genanki_100k.py");
    let has_genanki = Command::new(&python)
        .args(["-c", "import genanki"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_genanki {
        println!("genanki: skipped, {python} has no genanki (pip install -r tests/anki/requirements.txt)");
        return;
    }
    let genanki = measure(runs.min(3), || {
        let mut cmd = Command::new(&python);
        cmd.arg(&script)
            .arg(&cards_path)
            .arg(work.path().join("genanki.apkg"));
        cmd
    });
    report("genanki apkg", &genanki);
    println!(
        "notedeck vs genanki: {:.1}× faster, {:.2}× the peak memory (goal, issue 11: ≥5× faster, ≤0.5× memory)",
        genanki.seconds / rust_apkg.seconds,
        rust_apkg.peak_kib as f64 / genanki.peak_kib as f64
    );
}

struct Figures {
    seconds: f64,
    /// The writing thread's CPU time (notedeck's runs), median.
    thread_cpu: Option<f64>,
    peak_kib: u64,
    file_bytes: u64,
}

/// Runs the child `runs` times: median time, largest peak, output size.
fn measure(runs: usize, command: impl Fn() -> Command) -> Figures {
    let mut times = Vec::new();
    let mut thread_cpu = Vec::new();
    let mut peak = 0;
    let mut file_bytes = 0;
    for _ in 0..runs.max(1) {
        let output = command().output().expect("run child");
        assert!(
            output.status.success(),
            "child failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The child prints `seconds peak_kib file_bytes [thread_cpu_seconds]`.
        let line = String::from_utf8_lossy(&output.stdout);
        let mut parts = line.split_whitespace();
        times.push(parts.next().unwrap().parse::<f64>().unwrap());
        peak = peak.max(parts.next().unwrap().parse::<u64>().unwrap());
        file_bytes = parts.next().unwrap().parse::<u64>().unwrap();
        thread_cpu.extend(parts.next().map(|s| s.parse::<f64>().unwrap()));
    }
    Figures {
        seconds: median(times).unwrap(),
        thread_cpu: median(thread_cpu),
        peak_kib: peak,
        file_bytes,
    }
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}

fn report(name: &str, f: &Figures) {
    let thread_cpu = f.thread_cpu.map_or(String::new(), |cpu| {
        format!("   writing thread's CPU {cpu:.3} s")
    });
    println!(
        "{name:<14} {:>8.3} s   peak {:>7.1} MiB   file {:>6.1} MiB{thread_cpu}",
        f.seconds,
        f.peak_kib as f64 / 1024.0,
        f.file_bytes as f64 / (1024.0 * 1024.0)
    );
}

/// One measured run: load the cards, time writing them (staged and put in
/// place, as a build does), print time and peak.
fn child(cards_path: &Path, out: &Path, format: &str) {
    let file = std::fs::File::open(cards_path).unwrap();
    let cards: Vec<IndexedCard> = std::io::BufReader::new(file)
        .lines()
        .map(|line| {
            let line = line.unwrap();
            let value: serde_json::Value = serde_json::from_str(&line).unwrap();
            IndexedCard {
                changed: value["changed"].as_i64().unwrap(),
                card: serde_json::from_value(value["card"].clone()).unwrap(),
            }
        })
        .collect();
    let formats: Vec<OutputFormat> = format
        .split(',')
        .map(|f| match f {
            "csv" => OutputFormat::Csv,
            _ => OutputFormat::Apkg,
        })
        .collect();
    let (start, thread_start) = (Instant::now(), ThreadTime::now());
    let staged = stage(
        out,
        out,
        &file_stem(DECK),
        &cards,
        &formats,
        false,
        Source::Fresh,
    )
    .unwrap();
    assert_eq!(staged.cards, cards.len());
    let first = staged.files[0].path.clone();
    for file in staged.files {
        file.put_in_place().unwrap();
    }
    let seconds = start.elapsed().as_secs_f64();
    let thread_cpu = thread_start.elapsed().as_secs_f64();
    let size = std::fs::metadata(&first).map_or(0, |m| m.len());
    println!("{seconds} {} {size} {thread_cpu}", peak_kib());
}

/// Peak resident memory of this process, from /proc (Linux).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

/// Synthetic cards like the real notes: a Japanese term, a definition with a
/// nested list, two levels of context, two tags.
fn write_cards(path: &Path, count: usize) {
    const TERMS: [&str; 8] = [
        "監視",
        "デッドレターキュー",
        "ロールバック",
        "暗号化",
        "レプリケーション",
        "自動スケーリング",
        "ライフサイクル",
        "アクセス権限",
    ];
    const SERVICES: [&str; 6] = [
        "CloudWatch",
        "SQS",
        "CodeDeploy",
        "KMS",
        "DynamoDB",
        "Systems Manager",
    ];
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    for i in 0..count {
        let term = TERMS[i % TERMS.len()];
        let service = SERVICES[i % SERVICES.len()];
        let front = format!("{service} の{term} {i}");
        let back = format!(
            "{service} は、{term}のために使うサービスです。設定 {i} では、失敗したメッセージを保持し、後で再処理できます。"
        );
        let back_html = format!(
            "<p>{back}</p><ul><li>要点: <code>{service}-{i}</code> を確認する<ul><li>詳細: 既定では 443 番ポートで通信します。</li></ul></li><li>注意: 権限の境界を広く定義しておく</li></ul>"
        );
        let card = Card {
            guid: format!("bench-{i:08}"),
            deck: DECK.to_string().into(),
            front,
            back,
            back_html,
            context: vec![format!("第{}章", i / 1000), format!("{service}")].into(),
            tags: vec![format!("q{}", i % 50), "AWS".to_string()].into(),
            kind: Kind::Term,
            file: format!("bench/{}.md", i / 1000).into(),
            line: i % 1000 + 1,
            note_type: Default::default(),
        };
        let line = serde_json::json!({ "card": card, "changed": 1_750_000_000 + i as i64 });
        writeln!(out, "{line}").unwrap();
    }
    out.flush().unwrap();
}

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
