//! `notedeck watch`: a build, then another after each save of the notes,
//! until Ctrl-C (or SIGTERM).
//!
//! The notes folder is watched by the system (inotify, FSEvents, …) through
//! `notify`, its events gathered by `notify-debouncer-full` until the notes
//! have been quiet a moment: an editor's save by a temporary file renamed
//! over the note, or a folder copied in, is one rebuild. What the rebuild
//! does is the build's own business (it reads only the notes whose size or
//! time changed); the watch only decides whether to start one:
//!
//! - never for what happens in the output folder (the build's own writes,
//!   when it is inside the notes), in hidden files and folders (an editor's
//!   swap files, `.git`), or to notes that `exclude` leaves out;
//! - always for a note (`*.md`) or `notedeck.toml` that changed;
//! - for anything else (a folder made, moved or removed, another file), only
//!   when the notes differ from what the last build saw (`freshness`), so an
//!   editor's backup file makes no rebuild.
//!
//! A build holds the output folder's lock only while it runs: between
//! rebuilds another `build` or `search` is free to use it. A signal is
//! acted on between builds, so a stop leaves no temporary file: the build
//! under way finishes first. A second signal ends the process at once, as a
//! kill would (the next build sweeps what it left).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use anyhow::Context as _;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::{new_debouncer, DebounceEventResult};
use signal_hook::consts::{SIGINT, SIGTERM};

use crate::build;
use crate::freshness;
use crate::index::Index;
use crate::notes::config::{self, Config};
use crate::notes::scan;

/// How long the notes must be quiet after a change before the rebuild: a
/// save is seldom more than a few writes and a rename within this, and the
/// rebuild still comes well within a second.
const QUIET: Duration = Duration::from_millis(200);

/// Which build of the watch is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// The build the watch starts with.
    First,
    /// One after a change.
    Again,
}

/// How a watch ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// By Ctrl-C (SIGINT).
    Interrupted,
    /// By SIGTERM.
    Terminated,
}

/// What wakes the watch.
enum Wake {
    Files(DebounceEventResult),
    Signal(i32),
}

/// Whether a path that changed calls for a rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Want {
    Nothing,
    /// If the notes differ from what the last build saw.
    IfNotesChanged,
    Rebuild,
}

/// What the watch tells besides the builds' own reports.
pub enum Notice<'a> {
    /// The notes folder is watched: the changes from now on are built.
    Watching(&'a Path),
    /// A build after a change failed, or the watch missed events; it goes on.
    Failed(anyhow::Error),
    /// The notes folder itself is gone: the watch waits for it to be back.
    Gone(&'a Path),
}

/// Builds (`rebuild(Round::First)`, which returns the notes folder it read),
/// then watches that folder and builds again after each change, until a
/// signal. An error of the first build ends the watch; a later one is a
/// `Notice::Failed`, and the watch goes on (a note that cannot be used is
/// no error: the build reports it and builds the others).
pub fn run(
    out: &Path,
    mut rebuild: impl FnMut(Round) -> anyhow::Result<PathBuf>,
    mut notice: impl FnMut(Notice),
) -> anyhow::Result<Stopped> {
    let (wake, wakes) = mpsc::channel();
    // Before the first build: a Ctrl-C during it stops the watch once it is
    // done, rather than killing it.
    forward_signals(wake.clone())?;
    let notes = rebuild(Round::First)?;
    let mut filter = Filter::new(&notes, out);
    let mut debouncer = new_debouncer(QUIET, None, move |result| {
        // Closed: the watch is ending.
        let _ = wake.send(Wake::Files(result));
    })
    .context("cannot watch the notes")?;
    debouncer
        .watch(&filter.notes, RecursiveMode::Recursive)
        .with_context(|| format!("{}: cannot watch the notes", notes.display()))?;
    notice(Notice::Watching(&notes));
    // A save made after the first build read the notes and before the
    // watch began has no event.
    let mut want = Want::IfNotesChanged;
    // Whether the notes folder itself is gone, and the folder above it
    // watched for its return.
    let mut gone = false;
    loop {
        if filter.calls_for_rebuild(want) {
            if let Err(err) = rebuild(Round::Again) {
                notice(Notice::Failed(err));
            }
            filter.reload_settings();
        }
        // A notes folder removed (`rm -r`, moved away, a checkout) takes
        // its watch with it: the folder above is watched until it is back.
        if !gone && !filter.notes.is_dir() {
            if let Some(above) = filter.notes.parent() {
                let _ = debouncer.unwatch(&filter.notes);
                debouncer
                    .watch(above, RecursiveMode::NonRecursive)
                    .with_context(|| format!("{}: cannot watch", above.display()))?;
                notice(Notice::Gone(&notes));
                gone = true;
            }
        }
        // What came while the build ran, and any more at the same moment.
        want = Want::Nothing;
        let first = wakes.recv().context("the watch of the notes stopped")?;
        for woke in std::iter::once(first).chain(wakes.try_iter()) {
            match woke {
                Wake::Signal(SIGINT) => return Ok(Stopped::Interrupted),
                Wake::Signal(_) => return Ok(Stopped::Terminated),
                Wake::Files(Ok(_)) if gone => {
                    if filter.notes.is_dir() {
                        if let Some(above) = filter.notes.parent() {
                            let _ = debouncer.unwatch(above);
                        }
                        debouncer
                            .watch(&filter.notes, RecursiveMode::Recursive)
                            .with_context(|| {
                                format!("{}: cannot watch the notes", notes.display())
                            })?;
                        notice(Notice::Watching(&notes));
                        gone = false;
                        // All of it is new to the watch.
                        want = Want::Rebuild;
                    }
                }
                Wake::Files(Ok(events)) => {
                    let paths = events.iter().flat_map(|event| &event.paths);
                    want = paths.map(|path| filter.wants(path)).fold(want, Want::max);
                }
                Wake::Files(Err(errors)) => {
                    for err in errors {
                        notice(Notice::Failed(
                            anyhow::Error::new(err).context("watching the notes"),
                        ));
                    }
                    // An event may have been lost with it.
                    want = want.max(Want::IfNotesChanged);
                }
            }
        }
    }
}

/// Sends each SIGINT and SIGTERM to `wake`, from a thread of its own; a
/// second one ends the process as the signal would have without notedeck.
fn forward_signals(wake: mpsc::Sender<Wake>) -> anyhow::Result<()> {
    let mut signals =
        signal_hook::iterator::Signals::new([SIGINT, SIGTERM]).context("cannot catch Ctrl-C")?;
    std::thread::spawn(move || {
        let mut asked = false;
        for signal in signals.forever() {
            if asked {
                // The handler is this thread's: put back, it ends the process.
                let _ = signal_hook::low_level::emulate_default_handler(signal);
            }
            asked = true;
            if wake.send(Wake::Signal(signal)).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Which changes in the notes folder call for a rebuild.
struct Filter {
    /// The notes folder, as its events name it.
    notes: PathBuf,
    out: PathBuf,
    /// The settings of the last build (kept when the file turns bad: the
    /// build says what is wrong with it).
    config: Config,
}

impl Filter {
    fn new(notes: &Path, out: &Path) -> Filter {
        let absolute = |path: &Path| {
            std::fs::canonicalize(path)
                .or_else(|_| std::path::absolute(path))
                .unwrap_or_else(|_| path.to_path_buf())
        };
        Filter {
            notes: absolute(notes),
            out: absolute(out),
            config: Config::load(notes).unwrap_or_default(),
        }
    }

    fn reload_settings(&mut self) {
        if let Ok(config) = Config::load(&self.notes) {
            self.config = config;
        }
    }

    fn wants(&self, path: &Path) -> Want {
        if path.starts_with(&self.out) {
            return Want::Nothing;
        }
        let Ok(relative) = path.strip_prefix(&self.notes) else {
            return Want::Nothing;
        };
        if relative
            .components()
            .any(|part| scan::is_hidden(part.as_os_str()))
        {
            return Want::Nothing;
        }
        if relative == Path::new(config::FILE_NAME) {
            return Want::Rebuild;
        }
        if relative.as_os_str().is_empty() {
            return Want::IfNotesChanged;
        }
        let name = scan::relative_name(&self.notes, path);
        if self.config.excluded_by(&name).is_some() {
            Want::Nothing
        } else if path.extension().is_some_and(|e| e == "md") {
            Want::Rebuild
        } else {
            Want::IfNotesChanged
        }
    }

    /// Whether `want` comes to a rebuild, looking at the notes if it takes.
    fn calls_for_rebuild(&self, want: Want) -> bool {
        match want {
            Want::Nothing => false,
            Want::Rebuild => true,
            // What the index cannot tell, a build finds out.
            Want::IfNotesChanged => Index::open_read_only(&build::index_path(&self.out))
                .and_then(|index| freshness::freshness(&index, &self.notes))
                .map_or(true, |now| now.changed > 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(dir: &Path, out: &str) -> Filter {
        let notes = dir.join("notes");
        std::fs::create_dir_all(notes.join("drafts")).unwrap();
        std::fs::write(notes.join(config::FILE_NAME), "exclude = [\"drafts/**\"]\n").unwrap();
        Filter::new(&notes, &dir.join(out))
    }

    #[test]
    fn notes_and_settings_call_for_a_rebuild_what_notedeck_writes_and_hides_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let filter = filter(dir.path(), "notes/out");
        let at = |name: &str| filter.wants(&filter.notes.join(name));
        assert_eq!(at("a.md"), Want::Rebuild);
        assert_eq!(at("N5/verbs.md"), Want::Rebuild);
        assert_eq!(at("notedeck.toml"), Want::Rebuild);
        assert_eq!(at("N5"), Want::IfNotesChanged);
        assert_eq!(at("4913"), Want::IfNotesChanged);
        assert_eq!(at("out/notes.apkg"), Want::Nothing);
        assert_eq!(at("out/.notedeck-tmp-abc"), Want::Nothing);
        assert_eq!(at(".a.md.swp"), Want::Nothing);
        assert_eq!(at(".git/index"), Want::Nothing);
        assert_eq!(at("drafts/b.md"), Want::Nothing);
        assert_eq!(filter.wants(Path::new("/elsewhere/a.md")), Want::Nothing);
    }
}
