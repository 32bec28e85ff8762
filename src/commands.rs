//! The commands of the binary, as library functions returning an exit code.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::build::{self, BuildOptions, BuildReport};
use crate::index::{Index, RemovedCard};
use crate::japanese::width::terminal_columns;
use crate::search::{self, Filters};
use crate::{export, extract, output, scan};

/// `notedeck extract`: prints the cards of every note under `paths`.
/// A note that cannot be read is reported and skipped; the exit code is 1 then.
pub fn extract(paths: &[PathBuf], format: output::Format) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let columns = terminal_columns().unwrap_or(100);
    let mut out = output::CardWriter::new(std::io::BufWriter::new(stdout.lock()), format, columns)?;
    let (mut files, mut cards) = (0, 0);
    let mut failed = false;
    for root in paths {
        let (notes, errors) = scan::scan_notes(root);
        for err in errors {
            eprintln!("notedeck: {err}");
            failed = true;
        }
        for note in notes {
            match scan::read_note(&note.path) {
                Ok(text) => {
                    files += 1;
                    for card in extract::extract_note(&note.name, &text) {
                        out.write(&card)?;
                        cards += 1;
                    }
                }
                Err(err) => {
                    eprintln!("notedeck: {err}");
                    failed = true;
                }
            }
        }
    }
    out.finish()?;
    eprintln!(
        "{cards} cards from {files} {}",
        if files == 1 { "file" } else { "files" }
    );
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
    for line in report.card_lines() {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{report}")?;
    if report.removed > 0 && !report.dry_run {
        eprintln!(
            "notedeck: an import never deletes notes: `notedeck removed --out {}` shows how to select the removed ones in Anki",
            options.out.display()
        );
    }
    Ok(exit_code(&report))
}

/// `notedeck sync`: a build, then Anki brought up to date over AnkiConnect.
/// Prints the build's summary and the sync's (with each note written, with
/// `verbose` or in a dry run).
pub fn sync(options: &crate::sync::SyncOptions) -> anyhow::Result<ExitCode> {
    let (build, sync) = crate::sync::sync(options)?;
    report_problems(&build);
    let mut out = std::io::stdout().lock();
    for line in build.card_lines() {
        writeln!(out, "{line}")?;
    }
    writeln!(out, "{build}")?;
    if options.build.list_cards || sync.dry_run {
        for line in &sync.lines {
            writeln!(out, "{line}")?;
        }
    }
    writeln!(out, "{sync}")?;
    Ok(exit_code(&build))
}

/// `notedeck search`: finds cards in the index as the last build left it,
/// writing nothing; says on stderr when the notes changed since.
/// Exit code 1 when no card matches.
pub fn search(
    out: &Path,
    notes: Option<&Path>,
    query: &str,
    filters: &Filters,
    limit: usize,
    json: bool,
) -> anyhow::Result<ExitCode> {
    let index = Index::open_read_only(&build::index_path(out))?;
    warn_if_stale(&index, notes)?;
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
    Ok(ExitCode::SUCCESS)
}

/// Says on stderr when the notes (given, or those the index was built from)
/// are not what the index's last build saw: the results are the index's.
fn warn_if_stale(index: &Index, notes: Option<&Path>) -> anyhow::Result<()> {
    let recorded = index.meta(build::META_NOTES)?;
    let Some(notes) = notes
        .map(Path::to_path_buf)
        .or_else(|| recorded.as_deref().map(PathBuf::from))
    else {
        return Ok(());
    };
    if !notes.is_dir() {
        eprintln!(
            "notedeck: {}: notes folder not found; these results are from the last build",
            notes.display()
        );
        return Ok(());
    }
    if recorded.is_some_and(|r| r != build::absolute_notes(&notes)) {
        eprintln!(
            "notedeck: the index was built from another notes folder than {}; these results are from that build",
            notes.display()
        );
        return Ok(());
    }
    let changed = build::notes_changed_since_build(index, &notes)?;
    if changed > 0 {
        eprintln!(
            "notedeck: {changed} {} changed since the last build; run `notedeck build` to search them",
            if changed == 1 { "note" } else { "notes" }
        );
    }
    Ok(())
}

/// What `notedeck removed` does with the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemovedAction {
    /// The cards, and the Anki search that selects their notes.
    List,
    /// The Anki search alone.
    Query,
    /// Forget them: the user has dealt with them in Anki.
    Forget,
}

/// `notedeck removed`: the cards removed from the notes whose Anki notes
/// the user has not yet said are dealt with.
pub fn removed(out: &Path, action: RemovedAction) -> anyhow::Result<ExitCode> {
    let index_file = build::index_path(out);
    let cards = Index::open_read_only(&index_file)?.removed_cards()?;
    let mut stdout = std::io::stdout().lock();
    match action {
        _ if cards.is_empty() => {
            eprintln!("no removed cards to delete in Anki");
        }
        RemovedAction::Query => writeln!(stdout, "{}", anki_search(&cards))?,
        RemovedAction::List => {
            for card in &cards {
                writeln!(stdout, "{}", removed_line(card))?;
            }
            writeln!(
                stdout,
                "\n{} removed from the notes. To delete them in Anki: Browse, paste this search, select all, Notes › Delete:\n\n{}\n\nThen `notedeck removed --forget` (a card that comes back to the notes leaves this list by itself).",
                plural_cards(cards.len()),
                anki_search(&cards)
            )?;
        }
        RemovedAction::Forget => {
            for card in &cards {
                writeln!(stdout, "{}", removed_line(card))?;
            }
            let guids: Vec<String> = cards.into_iter().map(|c| c.guid).collect();
            let forgotten = Index::open(&index_file)?.forget_removed(&guids)?;
            writeln!(stdout, "forgot {}", plural_cards(forgotten))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn removed_line(card: &RemovedCard) -> String {
    format!(
        "{} · {} · {}:{}",
        card.deck, card.front, card.file, card.line
    )
}

fn plural_cards(n: usize) -> String {
    format!("{n} {}", if n == 1 { "card" } else { "cards" })
}

/// The Anki search that selects the notes of `cards`, by the `Key` field
/// that carries each card's GUID.
pub fn anki_search(cards: &[RemovedCard]) -> String {
    cards
        .iter()
        .map(|card| export::key_search(&card.guid))
        .collect::<Vec<_>>()
        .join(" OR ")
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
