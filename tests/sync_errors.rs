//! `notedeck sync` when Anki cannot do what it asks: a clear message, exit
//! code 2, and nothing built. (The sync itself is tested against a real
//! AnkiConnect server in `tests/roundtrip/sync.rs`.)

mod common;

use std::net::TcpListener;
use std::time::Duration;

use common::{http_server, run_within, stalled_server, write_study_notes, Project, Reply};
use serde_json::{json, Value};

/// Long enough for any failing sync here: none waits for Anki long.
const LIMIT: Duration = Duration::from_secs(20);

/// A loopback server that answers every request with `reply(action)`.
fn fake_server(reply: fn(&str) -> String) -> String {
    http_server(move |_, body| {
        let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        Reply {
            status: 200,
            content_type: "application/json",
            body: reply(request["action"].as_str().unwrap_or("")).into_bytes(),
            location: None,
        }
    })
}

fn sync_fails(url: &str) -> String {
    sync_fails_with(url, &[])
}

/// `sync` of the study notes to `url`, with the environment `env`: it
/// fails with exit code 2, within `LIMIT`, having built nothing; its stderr.
fn sync_fails_with(url: &str, env: &[(&str, &str)]) -> String {
    let project = Project::empty();
    write_study_notes(&project.notes());
    let mut command = project.command(&["sync", "--url", url]);
    command.envs(env.iter().copied());
    let (run, _) = run_within(command, LIMIT);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stdout().is_empty(), "{}", run.stdout());
    assert!(
        !project.dir.path().join("out").exists(),
        "nothing is built when Anki cannot be synced"
    );
    run.stderr()
}

#[test]
fn an_unreachable_anki_is_named_with_what_to_do() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let stderr = sync_fails(&format!("http://127.0.0.1:{port}"));
    assert!(
        stderr.contains(&format!("cannot reach Anki at http://127.0.0.1:{port}"))
            && stderr.contains("AnkiConnect add-on (2055492159)"),
        "{stderr}"
    );
}

#[test]
fn a_server_that_is_not_ankiconnect_is_named() {
    let url = fake_server(|_| "<html>hello</html>".into());
    let stderr = sync_fails(&url);
    assert!(
        stderr.contains("answered, but not as AnkiConnect"),
        "{stderr}"
    );
}

#[test]
fn a_refused_permission_says_how_to_allow_it() {
    let url =
        fake_server(|_| r#"{"result": null, "error": "valid api key must be provided"}"#.into());
    let stderr = sync_fails(&url);
    assert!(stderr.contains("refused the request"), "{stderr}");
    assert!(stderr.contains("ANKICONNECT_KEY"), "{stderr}");
}

#[test]
fn an_old_ankiconnect_is_refused() {
    let url = fake_server(|_| r#"{"result": 5, "error": null}"#.into());
    let stderr = sync_fails(&url);
    assert!(stderr.contains("speaks version 5"), "{stderr}");
}

#[test]
fn an_error_part_way_names_the_action_and_exits_2() {
    let url = fake_server(|action| match action {
        "version" => r#"{"result": 6, "error": null}"#.into(),
        _ => r#"{"result": null, "error": "collection is not available"}"#.into(),
    });
    let project = Project::empty();
    write_study_notes(&project.notes());
    let run = project.run(&["sync", "--url", &url]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("AnkiConnect modelNames: collection is not available"),
        "{}",
        run.stderr()
    );
    // The build rolled back with the sync: the next one starts afresh.
    let out = project.run(&["build"]).ok();
    assert!(out.contains("17 new"), "{out}");
}

#[test]
fn an_anki_that_stops_answering_is_named_within_seconds() {
    let url = stalled_server();
    let started = std::time::Instant::now();
    let stderr = sync_fails_with(&url, &[("NOTEDECK_TEST_ANKI_ANSWER_MS", "1000")]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains(&format!(
            "Anki at {url} stopped answering: no answer to version within 1 s"
        )),
        "{stderr}"
    );
}

#[test]
fn a_reply_as_large_as_a_real_collections_is_read() {
    // A collection of many decks: a 12 MB answer to deckNames.
    let decks: Vec<String> = (0..500_000)
        .map(|i| format!("Imported::Deck {i:06}"))
        .collect();
    let deck_names = json!({ "result": decks, "error": null }).to_string();
    assert!(deck_names.len() > 12_000_000, "{}", deck_names.len());
    let url = http_server(move |_, body| {
        let request: Value = serde_json::from_slice(body).unwrap_or_default();
        let reply = match request["action"].as_str().unwrap_or("") {
            "deckNames" => deck_names.clone(),
            action => {
                json!({ "result": result(action, &request["params"]), "error": null }).to_string()
            }
        };
        Reply {
            status: 200,
            content_type: "application/json",
            body: reply.into_bytes(),
            location: None,
        }
    });
    let project = Project::empty();
    write_study_notes(&project.notes());
    let (run, _) = run_within(project.command(&["sync", "--url", &url]), LIMIT);
    let stdout = run.ok();
    assert!(stdout.contains(": 17 added, "), "{stdout}");
}

/// What an empty Anki answers to `action`, as far as a first sync asks.
fn result(action: &str, params: &Value) -> Value {
    let count = |list: &str| params[list].as_array().map_or(0, Vec::len);
    match action {
        "version" => json!(6),
        "modelNames" => json!([]),
        "multi" => json!(vec![
            json!({ "result": null, "error": null });
            count("actions")
        ]),
        "addNotes" => json!((1..=count("notes") as i64).collect::<Vec<_>>()),
        _ => Value::Null,
    }
}
