//! The commands of the binary, as library functions returning an exit code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
