//! A headless AnkiConnect server (`anki-connect-server`, over Anki's own
//! library; NOTEDECK_ANKICONNECT names the program) for the tests that
//! sync into it.

#![allow(dead_code)] // Each test file uses its own part of this.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running AnkiConnect server on a free loopback port, over `col`.
pub struct Server {
    child: Child,
    pub url: String,
}

impl Server {
    pub fn start(col: &Path) -> Server {
        let program = std::env::var("NOTEDECK_ANKICONNECT")
            .expect("NOTEDECK_ANKICONNECT names the anki-connect-server program");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(program)
            .arg("api")
            .env("ANKICONNECT_COLLECTION_PATH", col)
            .env("ANKICONNECT_PORT", port.to_string())
            .env("ANKICONNECT_BIND", "127.0.0.1")
            // It reads a `.env` of the folder it runs in: run it where
            // there is none.
            .current_dir(col.parent().unwrap())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start anki-connect-server");
        let server = Server {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while server.try_call("version", json!({})).is_none() {
            assert!(Instant::now() < deadline, "the server did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    pub fn try_call(&self, action: &str, params: Value) -> Option<Value> {
        let mut response = ureq::post(&self.url)
            .header("Content-Type", "application/json")
            .send_json(json!({ "action": action, "version": 6, "params": params }))
            .ok()?;
        let reply: Value = response.body_mut().read_json().ok()?;
        assert!(reply["error"].is_null(), "{action}: {reply}");
        Some(reply["result"].clone())
    }

    pub fn call(&self, action: &str, params: Value) -> Value {
        self.try_call(action, params).expect("the server answers")
    }

    /// Stops the server, letting it close the collection.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
