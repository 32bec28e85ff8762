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

    /// Runs `notedeck ARGS` (shell words, after `ENV` assignments) in the
    /// project on a pseudo-terminal of `columns` columns (util-linux
    /// `script`): what the terminal showed, or `None` without `script`.
    pub fn on_terminal(&self, columns: usize, env: &str, args: &str) -> Option<String> {
        let binary = env!("CARGO_BIN_EXE_notedeck");
        let line = format!("stty rows 24 cols {columns}; {env} '{binary}' {args}");
        let out = Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .current_dir(self.dir.path())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).to_string())
    }

    /// Runs the binary in the project with default folders.
    pub fn run(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().unwrap())
    }

    pub fn index(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("out/index.sqlite")).unwrap()
    }

    /// Each card's front → GUID, from the index of the last build.
    pub fn guids(&self) -> std::collections::BTreeMap<String, String> {
        let index = self.index();
        let mut stmt = index.prepare("SELECT front, guid FROM cards").unwrap();
        let rows = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        rows
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

/// `PRAGMA integrity_check` of the index and of its full-text tables.
pub fn assert_index_sound(conn: &rusqlite::Connection) {
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    for table in ["cards_fts", "fronts_fts"] {
        conn.execute(
            &format!("INSERT INTO {table} ({table}) VALUES ('integrity-check')"),
            [],
        )
        .unwrap();
    }
}

pub fn card_count(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM cards", [], |row| row.get(0))
        .unwrap()
}

pub fn file_count(conn: &rusqlite::Connection) -> i64 {
    conn.query_row("SELECT count(*) FROM files", [], |row| row.get(0))
        .unwrap()
}

/// Two folders, four notes; every card's back says enough to be told apart.
pub const STUDY_NOTES: [(&str, &str); 4] = [
    (
        "N5/verbs.md",
        "# 動詞\n\n## 基本\n\n- 食べる: 食べ物を口に入れて飲み込むこと\n- 飲む: 液体を口から体に入れること\n\n## 移動\n\n- 行く: ある場所から別の場所へ移ること\n- 来る: 話し手のいる場所へ近づくこと\n",
    ),
    (
        "N5/nouns.md",
        "# 名詞\n\n## 自然\n\n- 水: 透明で味のない液体のこと\n- 山: 周りより高く盛り上がった土地\n",
    ),
    (
        "N4/adjectives.md",
        "# 形容詞\n\n## 感情\n\n- 嬉しい: 喜ばしく満ち足りた気持ち\n- 悲しい: 心が痛んで泣きたい気持ち\n",
    ),
    (
        "grammar.md",
        "# 文法\n\n## 助詞\n\n- 係助詞: 文の主題を示す助詞のこと\n- 格助詞: 名詞と述語の関係を示す助詞\n\n## 表現\n\n- 敬語: 相手を敬う気持ちを表す言葉\n",
    ),
];

/// Writes `STUDY_NOTES` into the folder `notes`.
pub fn write_study_notes(notes: &Path) {
    for (name, text) in STUDY_NOTES {
        let path = notes.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// Replaces `from` (which must be there) with `to` in the note `name`.
pub fn edit_note(notes: &Path, name: &str, from: &str, to: &str) {
    let path = notes.join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{from} not in {name}");
    std::fs::write(&path, text.replace(from, to)).unwrap();
}

/// Renames or moves the note `from` to `to`, making folders as needed.
pub fn move_note(notes: &Path, from: &str, to: &str) {
    let to = notes.join(to);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::rename(notes.join(from), to).unwrap();
}

/// Swaps the two `##` sections of the note `name`.
pub fn swap_sections(notes: &Path, name: &str) {
    let path = notes.join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let parts: Vec<&str> = text.split("\n## ").collect();
    assert_eq!(parts.len(), 3, "{text}");
    let swapped = format!(
        "{}\n## {}\n## {}\n",
        parts[0],
        parts[2].trim_end(),
        parts[1].trim_end()
    );
    std::fs::write(&path, swapped).unwrap();
}

/// What the loopback server of `http_server` answers.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// The `Location` of a redirect.
    pub location: Option<String>,
}

/// A loopback HTTP server answering each request with `reply(path, body)`,
/// one connection at a time; returns its `http://127.0.0.1:PORT`.
pub fn http_server(reply: impl Fn(&str, &[u8]) -> Reply + Send + 'static) -> String {
    use std::io::{BufRead, BufReader, Read, Write};

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            let _ = reader.read_line(&mut request_line);
            let path = request_line.split(' ').nth(1).unwrap_or("/").to_string();
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = reply(&path, &body);
            let location = answer
                .location
                .map(|to| format!("Location: {to}\r\n"))
                .unwrap_or_default();
            let _ = write!(
                stream,
                "HTTP/1.1 {} X\r\nContent-Type: {}\r\nContent-Length: {}\r\n{location}Connection: close\r\n\r\n",
                answer.status,
                answer.content_type,
                answer.body.len()
            );
            // The client may stop reading early (a size limit): not an error here.
            let _ = stream.write_all(&answer.body);
        }
    });
    url
}

/// A loopback server that takes every connection and never answers (a
/// hung Anki, a stalled web server); returns its `http://127.0.0.1:PORT`.
pub fn stalled_server() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming().flatten() {
            held.push(stream);
        }
    });
    url
}

/// Runs `command` to its end and says how long it took; a run still going
/// after `limit` is killed, and the test fails.
pub fn run_within(mut command: Command, limit: std::time::Duration) -> (Run, std::time::Duration) {
    use std::process::Stdio;
    // Files, not pipes: nothing blocks the child while it is watched.
    let (stdout, stderr) = (tempfile::tempfile().unwrap(), tempfile::tempfile().unwrap());
    let start = std::time::Instant::now();
    let mut child = command
        .stdout(Stdio::from(stdout.try_clone().unwrap()))
        .stderr(Stdio::from(stderr.try_clone().unwrap()))
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("{command:?} still running after {limit:?}: killed");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let took = start.elapsed();
    let read = |mut file: std::fs::File| {
        use std::io::{Read, Seek};
        let mut bytes = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut bytes).unwrap();
        bytes
    };
    let output = Output {
        status,
        stdout: read(stdout),
        stderr: read(stderr),
    };
    (Run(output), took)
}

/// `notedeck watch` running, its output read as it comes; killed when
/// dropped.
pub struct Watching {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

/// How long a test waits for a line of `notedeck watch`: long, as the
/// machine may be busy; a watch that works answers within a second.
pub const WATCH_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

impl Watching {
    pub fn start(mut command: Command) -> Watching {
        use std::io::{BufRead, Read};
        use std::process::Stdio;
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (send, lines) = std::sync::mpsc::channel();
        let stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { return };
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut pipe = child.stderr.take().unwrap();
        let into = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            let mut buf = [0; 4096];
            while let Ok(n @ 1..) = pipe.read(&mut buf) {
                into.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Watching {
            child,
            lines,
            stderr,
        }
    }

    /// The next line of stdout; the test fails if none comes in `WATCH_WAIT`.
    pub fn next_line(&self) -> String {
        self.line_within(WATCH_WAIT).unwrap_or_else(|| {
            panic!(
                "no line from notedeck watch within {WATCH_WAIT:?}; stderr: {}",
                self.stderr()
            )
        })
    }

    /// The next line of stdout if one comes within `limit`.
    pub fn line_within(&self, limit: std::time::Duration) -> Option<String> {
        self.lines.recv_timeout(limit).ok()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr holds `text`; the test fails if it takes over
    /// `WATCH_WAIT`.
    pub fn wait_for_stderr(&self, text: &str) {
        let start = std::time::Instant::now();
        while !self.stderr().contains(text) {
            assert!(
                start.elapsed() < WATCH_WAIT,
                "no {text:?} from notedeck watch within {WATCH_WAIT:?}; stderr: {}",
                self.stderr()
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Sends `signal` to the watch.
    pub fn signal(&self, signal: i32) {
        // SAFETY: kill(2) on the child's pid, which is not yet waited for.
        assert_eq!(unsafe { libc::kill(self.child.id() as i32, signal) }, 0);
    }

    /// Sends `signal` and waits for the watch to end: its exit code.
    pub fn stop_with(self, signal: i32) -> i32 {
        self.signal(signal);
        self.wait()
    }

    /// Waits for the watch to end: its exit code.
    pub fn wait(mut self) -> i32 {
        let start = std::time::Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(
                start.elapsed() < WATCH_WAIT,
                "notedeck watch still running {WATCH_WAIT:?} after a signal"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The files notedeck left as temporaries in `out`.
pub fn temporaries(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".notedeck-tmp-"))
        .collect()
}
