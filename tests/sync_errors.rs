//! `notedeck sync` when Anki cannot do what it asks: a clear message, exit
//! code 2, and nothing built. (The sync itself is tested against a real
//! AnkiConnect server in `tests/roundtrip/sync.rs`.)

mod common;

use std::net::TcpListener;

use common::{http_server, write_study_notes, Project, Reply};

/// A loopback server that answers every request with `reply(action)`.
fn fake_server(reply: fn(&str) -> String) -> String {
    http_server(move |_, body| {
        let request: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        Reply {
            status: 200,
            content_type: "application/json",
            body: reply(request["action"].as_str().unwrap_or("")).into_bytes(),
        }
    })
}

fn sync_fails(url: &str) -> String {
    let project = Project::empty();
    write_study_notes(&project.notes());
    let run = project.run(&["sync", "--url", url]);
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
