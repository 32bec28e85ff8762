//! A notes folder in a temporary directory and the built binary run on it.

#![allow(dead_code)] // Each test file uses its own part of this.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// A project whose `notes/` is a copy of the repository's notes.
    pub fn with_notes() -> Project {
        let project = Project::empty();
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("notes");
        for entry in std::fs::read_dir(source).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), project.notes().join(entry.file_name())).unwrap();
        }
        project
    }

    /// A project with an empty `notes/`.
    pub fn empty() -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("notes")).unwrap();
        Project { dir }
    }

    pub fn notes(&self) -> PathBuf {
        self.dir.path().join("notes")
    }

    pub fn write_note(&self, name: &str, text: impl AsRef<[u8]>) {
        let path = self.notes().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_notedeck"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("NO_COLOR");
        command
    }

    /// Runs the binary in the project with default folders.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().unwrap())
    }

    pub fn index(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("out/index.sqlite")).unwrap()
    }
}

/// A finished run of the binary.
pub struct Run(pub Output);

impl Run {
    pub fn stdout(&self) -> String {
        String::from_utf8(self.0.stdout.clone()).unwrap()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8(self.0.stderr.clone()).unwrap()
    }

    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> String {
        assert_eq!(
            self.code(),
            0,
            "stdout: {}\nstderr: {}",
            self.stdout(),
            self.stderr()
        );
        self.stdout()
    }
}

/// `PRAGMA integrity_check` of the index and of its full-text table.
pub fn assert_index_sound(conn: &rusqlite::Connection) {
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    conn.execute(
        "INSERT INTO cards_fts (cards_fts) VALUES ('integrity-check')",
        [],
    )
    .unwrap();
}

pub fn card_count(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM cards", [], |row| row.get(0))
        .unwrap()
}
