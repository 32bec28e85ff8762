//! The commands of the binary, as library functions returning an exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::build::{self, BuildOptions, BuildReport};
use crate::index::Index;
use crate::japanese::width::terminal_columns;
use crate::search::{self, Filters};
use crate::{extract, output, scan};

/// `notedeck extract`: prints the cards of every note under `paths`.
/// A note that cannot be read is reported and skipped; the exit code is 1 then.
pub fn extract(paths: &[PathBuf], format: output::Format) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut failed = false;
    for root in paths {
        let notes = match scan::find_notes(root) {
            Ok(notes) => notes,
            Err(err) => {
                eprintln!("notedeck: {err}");
                failed = true;
                continue;
            }
        };
        let base = if root.is_file() {
            root.parent().unwrap_or(Path::new(""))
        } else {
            root
        };
        for path in notes {
            match scan::read_note(&path) {
                Ok(text) => {
                    let cards = extract::extract_note(&scan::relative_name(base, &path), &text);
                    output::write_cards(&mut out, &cards, format)?;
                }
                Err(err) => {
                    eprintln!("notedeck: {err}");
                    failed = true;
                }
            }
        }
    }
    out.flush()?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// `notedeck build`: brings the index and outputs up to date and prints the
/// summary line (after the changed cards, with `verbose`). Exit code 1 when
/// a note could not be used.
pub fn build(options: &BuildOptions) -> anyhow::Result<ExitCode> {
    let report = build::build(options)?;
    report_problems(&report);
    let mut out = std::io::stdout().lock();
    for line in &report.card_lines {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{report}")?;
    Ok(exit_code(&report))
}

/// `notedeck search`: brings the index up to date (the summary goes to
/// stderr, and only when something changed), then prints the best cards.
/// Exit code 1 when no card matches or a note could not be used.
pub fn search(
    options: &BuildOptions,
    query: &str,
    filters: &Filters,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let report = build::build(options)?;
    report_problems(&report);
    if report.did_anything() {
        eprintln!("{report}");
    }
    let index = Index::open(&build::index_path(&options.out))?;
    let hits = search::search(index.connection(), query, filters, limit)?;
    if hits.is_empty() {
        eprintln!("no cards match");
        return Ok(ExitCode::FAILURE);
    }
    let stdout = std::io::stdout();
    let terminal = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if json {
        for hit in &hits {
            writeln!(out, "{}", hit.to_json()?)?;
        }
    } else {
        let bold = terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        // On a pipe there is no width to fit; keep snippets a readable line.
        let columns = terminal.then(terminal_columns).flatten().unwrap_or(100);
        let terms = search::highlight_terms(query);
        for (i, hit) in hits.iter().enumerate() {
            let separator = if i > 0 { "\n" } else { "" };
            write!(
                out,
                "{separator}{}",
                search::render_hit(hit, &terms, columns, bold)
            )?;
        }
    }
    out.flush()?;
    Ok(exit_code(&report))
}

/// Notes that could not be used, and warnings, on stderr.
fn report_problems(report: &BuildReport) {
    for err in &report.failed {
        eprintln!("notedeck: {err}");
    }
    for warning in &report.warnings {
        eprintln!("notedeck: warning: {warning}");
    }
}

fn exit_code(report: &BuildReport) -> ExitCode {
    if report.failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
