//! The output folder's files: the build lock, what a killed build left,
//! and the outputs. A build replaces or removes only files it made: OUT may
//! come from a cloned repository or be a folder the user keeps other files
//! in, and an index there is only a record, which a crafted one can fake.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::stage::StagedOutputs;
use crate::export::{self, kept, OutputFormat};
use crate::index::Index;

/// The file whose lock a build holds: one build at a time writes an
/// output folder.
const LOCK_FILE: &str = ".notedeck-lock";

/// Takes the output folder's build lock, waiting (and saying so) while
/// another build holds it. The system releases it when the process ends,
/// however it ends. A link in the lock's place is refused: opening it would
/// create or lock a file wherever it points.
pub fn lock_out_folder(out: &Path, say_so: bool) -> anyhow::Result<std::fs::File> {
    let path = out.join(LOCK_FILE);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let file = options
        .open(&path)
        .with_context(|| format!("{}: cannot open the build lock", path.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            if say_so {
                eprintln!(
                    "notedeck: waiting for another build in {} to finish…",
                    out.display()
                );
            }
            file.lock()
                .with_context(|| format!("{}: cannot lock", path.display()))?;
        }
        Err(std::fs::TryLockError::Error(err)) => {
            return Err(err).with_context(|| format!("{}: cannot lock", path.display()))
        }
    }
    Ok(file)
}

/// Removes what a killed build left in the output folder: temporary files
/// and folders, which carry notedeck's own prefix. Nothing else is touched
/// (a link is removed, never followed).
pub fn remove_stale_temporaries(out: &Path) -> anyhow::Result<()> {
    for entry in
        std::fs::read_dir(out).with_context(|| format!("{}: cannot read", out.display()))?
    {
        let entry = entry?;
        if !entry
            .file_name()
            .to_string_lossy()
            .starts_with(export::TEMP_PREFIX)
        {
            continue;
        }
        let path = entry.path();
        let removed = if entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        removed.with_context(|| format!("{}: cannot remove", path.display()))?;
    }
    Ok(())
}

/// The outputs an index records, sorted out against what is really in OUT.
pub struct Recorded {
    /// By name, whether still pending: the names that can be outputs.
    pub names: HashMap<String, bool>,
    /// Names no build writes (a path, a hidden file, another extension):
    /// forgotten, never touched.
    pub invalid: Vec<String>,
}

impl Recorded {
    pub fn new(recorded: HashMap<String, bool>) -> Recorded {
        let (names, invalid): (HashMap<_, _>, HashMap<_, _>) = recorded
            .into_iter()
            .partition(|(name, _)| format_of(name).is_some());
        let mut invalid: Vec<String> = invalid.into_keys().collect();
        invalid.sort();
        Recorded { names, invalid }
    }
}

/// The format of an output named `name`, if it is the name of one: a plain
/// file name in OUT (no folder, not hidden) with an output's extension.
pub fn format_of(name: &str) -> Option<OutputFormat> {
    let path = Path::new(name);
    let plain = !name.starts_with('.')
        && !name.contains(['/', '\\'])
        && path.file_name().is_some_and(|file| file == name);
    if !plain {
        return None;
    }
    let extension = path.extension()?;
    OutputFormat::ALL
        .into_iter()
        .find(|format| extension == format.extension())
}

/// Whether the file at `path` is one notedeck writes as an output of
/// `format`: a plain file (no link, no device) that starts as its outputs
/// do. A missing file is none.
pub fn is_made_by_notedeck(path: &Path, format: OutputFormat) -> bool {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let signature = format.signature();
    let mut start = vec![0; signature.len()];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut start))
        .is_ok_and(|()| start == signature)
}

/// Checks, before a build writes an output to `path`, that nothing there
/// is in the way: no file, or one notedeck made (`is_made_by_notedeck`)
/// that the index records as its own (or, `adopting`, that it need not:
/// after a damaged index whose records were lost, or with `--adopt`).
pub fn check_replaceable(
    path: &Path,
    format: OutputFormat,
    recorded: bool,
    adopting: bool,
) -> anyhow::Result<()> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    if (recorded || adopting) && is_made_by_notedeck(path, format) {
        return Ok(());
    }
    anyhow::bail!(
        "{}: notedeck would write its output here, but this file is not one it made; it never replaces such a file: move the file away, or give the build another output folder with --out",
        path.display()
    )
}

/// Renames the staged outputs into place and removes the old ones (and a
/// collection no longer kept), once the index that records them has
/// committed; then marks them in place. A build
/// stopped in between leaves them pending in the index: the next build
/// writes them again. The collection to keep goes last: until it is in
/// place, the one there is not the one the index records, and the next
/// build makes its package anew.
pub(super) fn put_outputs_in_place(
    index: &Index,
    out: &Path,
    staged: StagedOutputs,
    deleted: &[PathBuf],
) -> anyhow::Result<()> {
    let mut names = Vec::with_capacity(staged.files.len());
    for file in staged.files {
        names.push(output_name(&file.path));
        file.put_in_place()?;
    }
    if let Some(kept) = staged.kept {
        // Not kept (something else is in its place), it is only made anew
        // by the next build that needs it: the outputs are in place.
        let _ = kept.put_in_place();
    } else if staged.kept_forgotten {
        remove_forgotten_collection(out);
    }
    for path in deleted {
        match std::fs::remove_file(path) {
            Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
                return Err(err).with_context(|| format!("{}: cannot remove", path.display()))
            }
            _ => {}
        }
    }
    index.outputs_in_place(&names)
}

/// Removes the collection an earlier build kept in `out`, now that the
/// index no longer records it: only a plain file (what a build keeps), not
/// a link or anything else found under its name. Failing to is harmless
/// (a later build that keeps one replaces it), so it is not an error.
fn remove_forgotten_collection(out: &Path) {
    let path = kept::path(out);
    if std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file()) {
        let _ = std::fs::remove_file(path);
    }
}

/// An output's name as the index records it: its file name in OUT.
pub fn output_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_with_an_outputs_extension_are_outputs() {
        assert_eq!(format_of("notes.apkg"), Some(OutputFormat::Apkg));
        assert_eq!(format_of("日本語__a1b2.csv"), Some(OutputFormat::Csv));
        for name in [
            "../../victim/important.csv",
            "/home/me/x.apkg",
            "sub/notes.csv",
            "..\\notes.csv",
            ".apkg",
            ".hidden.csv",
            "index.sqlite",
            "notes.sh",
            "",
            "..",
        ] {
            assert_eq!(format_of(name), None, "{name}");
        }
    }

    #[test]
    fn a_file_is_notedecks_when_it_starts_as_its_outputs_do_and_is_no_link() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("notes.csv");
        std::fs::write(&csv, "#separator:tab\n#html:true\n").unwrap();
        let mine = dir.path().join("mine.csv");
        std::fs::write(&mine, "name,phone\n").unwrap();
        assert!(is_made_by_notedeck(&csv, OutputFormat::Csv));
        assert!(!is_made_by_notedeck(&csv, OutputFormat::Apkg));
        assert!(!is_made_by_notedeck(&mine, OutputFormat::Csv));
        assert!(!is_made_by_notedeck(
            &dir.path().join("gone.csv"),
            OutputFormat::Csv
        ));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&csv, &link).unwrap();
            assert!(!is_made_by_notedeck(&link, OutputFormat::Csv));
        }
    }
}
