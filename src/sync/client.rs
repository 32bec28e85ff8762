//! A client of AnkiConnect, the local HTTP API of Anki (add-on 2055492159,
//! protocol version 6): one JSON request a call, `multi` for batches.

use std::time::Duration;

use serde_json::{json, Value};

use crate::test_env;

/// The protocol version notedeck speaks and needs.
const VERSION: u64 = 6;

/// How long connecting may take: AnkiConnect is on this machine, or near.
const CONNECT: Duration = Duration::from_secs(5);

/// How long Anki may take to answer one call (a batch of 500 notes, or
/// `notesInfo` of a whole collection): past it, Anki is taken to have
/// stopped answering (a dialog open in it, or hung).
const ANSWER: Duration = Duration::from_secs(60);

/// How long Anki may take to take one media file (up to 100 MiB, sent as
/// base64) and answer, or to sync with AnkiWeb (`sync`, media included).
const MEDIA_ANSWER: Duration = Duration::from_secs(300);

/// For notedeck's tests: `ANSWER` (and `MEDIA_ANSWER`) in milliseconds,
/// so that a test of it takes seconds.
const ANSWER_MS: &str = "NOTEDECK_TEST_ANKI_ANSWER_MS";

/// The largest reply read: a real collection's `notesInfo` runs to tens of
/// megabytes, far past ureq's default of 10 MB.
const MAX_REPLY: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum AnkiError {
    #[error("cannot reach Anki at {url} ({reason}): is Anki running, with the AnkiConnect add-on (2055492159) installed?")]
    Unreachable { url: String, reason: String },
    #[error("Anki at {url} stopped answering: no answer to {action} within {} s: is a dialog open in Anki, or is it busy?", waited.as_secs())]
    NoAnswer {
        url: String,
        action: String,
        waited: Duration,
    },
    #[error("Anki at {url} refused the request ({reason}); allow it in AnkiConnect's settings, or give its API key in ANKICONNECT_KEY")]
    Refused { url: String, reason: String },
    #[error("{url} answered, but not as AnkiConnect: {reason}")]
    NotAnkiConnect { url: String, reason: String },
    #[error("AnkiConnect at {url} speaks version {found}; notedeck needs {VERSION} or later: update the add-on")]
    TooOld { url: String, found: u64 },
    #[error("AnkiConnect {action}: {message}")]
    Action { action: String, message: String },
}

/// One action of a batch.
pub struct Action {
    pub name: &'static str,
    pub params: Value,
}

impl Action {
    pub fn new(name: &'static str, params: Value) -> Self {
        Action { name, params }
    }
}

pub struct Client {
    url: String,
    key: Option<String>,
    agent: ureq::Agent,
    /// What a test set in place of `ANSWER` and `MEDIA_ANSWER`.
    answer_override: Option<Duration>,
}

impl Client {
    /// A client of the AnkiConnect at `url`. An API key, if the user set
    /// one in AnkiConnect, comes from `ANKICONNECT_KEY`.
    pub fn new(url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(CONNECT))
            // AnkiConnect's errors come in the body; a 403 is read too.
            .http_status_as_error(false)
            .build()
            .into();
        Client {
            url: url.to_string(),
            key: std::env::var("ANKICONNECT_KEY")
                .ok()
                .filter(|k| !k.is_empty()),
            agent,
            answer_override: test_env::millis(ANSWER_MS),
        }
    }

    /// Checks that AnkiConnect answers and speaks version 6.
    pub fn check(&self) -> Result<(), AnkiError> {
        let found = self.call("version", json!({}))?;
        match found.as_u64() {
            Some(v) if v >= VERSION => Ok(()),
            Some(v) => Err(AnkiError::TooOld {
                url: self.url.clone(),
                found: v,
            }),
            None => Err(self.not_anki_connect(format!("version {found}"))),
        }
    }

    /// Calls one action and returns its result.
    pub fn call(&self, action: &str, params: Value) -> Result<Value, AnkiError> {
        let body = self.request(action, params);
        let reply = self.post(action, &body)?;
        self.unwrap_reply(action, reply)
    }

    /// Calls several actions in one request. Each gets its own result or
    /// error: the add-on answers `{result, error}` for each, some
    /// compatible servers the bare result.
    pub fn multi(&self, actions: Vec<Action>) -> Result<Vec<Result<Value, AnkiError>>, AnkiError> {
        if actions.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<&'static str> = actions.iter().map(|a| a.name).collect();
        let inner: Vec<Value> = actions
            .into_iter()
            .map(|a| json!({ "action": a.name, "version": VERSION, "params": a.params }))
            .collect();
        let replies = self.call("multi", json!({ "actions": inner }))?;
        let Value::Array(replies) = replies else {
            return Err(self.not_anki_connect("multi did not answer a list".into()));
        };
        if replies.len() != names.len() {
            return Err(self.not_anki_connect(format!(
                "multi answered {} results for {} actions",
                replies.len(),
                names.len()
            )));
        }
        Ok(names
            .into_iter()
            .zip(replies)
            .map(|(name, reply)| match reply {
                Value::Object(ref fields) if fields.contains_key("error") && fields.len() <= 2 => {
                    self.unwrap_reply(name, reply)
                }
                bare => Ok(bare),
            })
            .collect())
    }

    fn request(&self, action: &str, params: Value) -> Value {
        let mut body = json!({ "action": action, "version": VERSION, "params": params });
        if let Some(key) = &self.key {
            body["key"] = json!(key);
        }
        body
    }

    fn post(&self, action: &str, body: &Value) -> Result<Value, AnkiError> {
        let waited = self.answer_override.unwrap_or(match action {
            "storeMediaFile" | "sync" => MEDIA_ANSWER,
            _ => ANSWER,
        });
        let no_answer = || AnkiError::NoAnswer {
            url: self.url.clone(),
            action: action.to_string(),
            waited,
        };
        let mut response = self
            .agent
            .post(&self.url)
            // The add-on accepts it; compatible servers require it.
            .header("Content-Type", "application/json")
            .config()
            // Sending, waiting and reading: each stall is bounded.
            .timeout_per_write(Some(waited))
            .timeout_recv_response(Some(waited))
            .timeout_per_read(Some(waited))
            .build()
            .send_json(body)
            .map_err(|err| match err {
                // Connected, then no answer in time.
                ureq::Error::Timeout(timeout)
                    if !matches!(timeout, ureq::Timeout::Connect | ureq::Timeout::Resolve) =>
                {
                    no_answer()
                }
                err => AnkiError::Unreachable {
                    url: self.url.clone(),
                    reason: err.to_string(),
                },
            })?;
        let status = response.status();
        if status == 401 || status == 403 {
            return Err(AnkiError::Refused {
                url: self.url.clone(),
                reason: format!("HTTP {status}"),
            });
        }
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY)
            .read_to_string()
            .map_err(|err| match err {
                ureq::Error::Timeout(_) => no_answer(),
                err => self.not_anki_connect(err.to_string()),
            })?;
        serde_json::from_str(&text).map_err(|_| {
            let start: String = text.chars().take(80).collect();
            self.not_anki_connect(format!("HTTP {status}, {start:?}"))
        })
    }

    /// The result of a `{result, error}` reply, or its error.
    fn unwrap_reply(&self, action: &str, reply: Value) -> Result<Value, AnkiError> {
        let Value::Object(mut fields) = reply else {
            return Err(self.not_anki_connect(format!("{action} answered {reply}")));
        };
        match fields.remove("error") {
            None | Some(Value::Null) => Ok(fields.remove("result").unwrap_or(Value::Null)),
            Some(error) => {
                let message = error
                    .as_str()
                    .map_or_else(|| error.to_string(), str::to_string);
                if message.contains("api key") || message.contains("permission") {
                    Err(AnkiError::Refused {
                        url: self.url.clone(),
                        reason: message,
                    })
                } else {
                    Err(AnkiError::Action {
                        action: action.to_string(),
                        message,
                    })
                }
            }
        }
    }

    fn not_anki_connect(&self, reason: String) -> AnkiError {
        AnkiError::NotAnkiConnect {
            url: self.url.clone(),
            reason,
        }
    }
}
