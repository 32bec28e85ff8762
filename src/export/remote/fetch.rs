//! Downloading remote images for `--fetch-remote`, from URLs a stranger may
//! have written: https only, public addresses only (`address`, checked on
//! every connection), redirects followed here so that each is checked, a
//! file kept only when its bytes are a picture, and one time limit for all
//! the images of a build, so that stalled servers cannot hold it for long.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use ureq::http::{header, Uri};
use ureq::unversioned::transport::DefaultConnector;

use super::address::{self, PublicOnly};
use crate::export::image_type::{self, SNIFF_LEN};
use crate::limits::MAX_MEDIA_BYTES;
use crate::test_env;

/// How long the images of one build may take together.
const BUDGET: Duration = Duration::from_secs(60);

/// How long one image may take, redirects and connection included.
const PER_IMAGE: Duration = Duration::from_secs(20);

/// Redirects followed for one image; a chain longer than any CDN's is
/// refused.
const MAX_REDIRECTS: usize = 5;

/// For notedeck's tests, whose servers are on the loopback and speak
/// plain HTTP: a port, where http:// and the loopback are allowed (and
/// nothing else the rules refuse: another port of the loopback stays
/// refused, so a test can redirect to one).
const LOOPBACK_PORT: &str = "NOTEDECK_TEST_FETCH_LOOPBACK_PORT";

/// For notedeck's tests: `BUDGET` in milliseconds, so that a test of it
/// takes seconds.
const BUDGET_MS: &str = "NOTEDECK_TEST_FETCH_BUDGET_MS";

/// Downloads remote images into the cache.
#[derive(Debug)]
pub struct Fetcher {
    agent: ureq::Agent,
    /// Set by a test (`LOOPBACK_PORT`): http:// is allowed too.
    allow_http: bool,
    budget: Duration,
    /// When the first image was asked for: the budget runs from then.
    started: Option<Instant>,
}

/// The time one image may take, and what ends it.
struct Bound {
    until: Instant,
    /// Whether the build's budget ends it before `PER_IMAGE` does.
    by_budget: bool,
    budget: Duration,
}

impl Bound {
    fn ran_out(&self) -> String {
        if self.by_budget {
            format!("not done in time: {}", spent(self.budget))
        } else {
            format!("no answer within {} s", PER_IMAGE.as_secs())
        }
    }
}

fn spent(budget: Duration) -> String {
    format!(
        "the {} s for fetching all remote images ran out",
        budget.as_secs()
    )
}

impl Fetcher {
    pub fn new() -> Self {
        let loopback_port = test_env::number(LOOPBACK_PORT);
        let allow_http = loopback_port.is_some();
        let config = ureq::Agent::config_builder()
            // Followed by `follow`, which checks each.
            .max_redirects(0)
            // A proxy would connect on our behalf, to addresses unchecked.
            .proxy(None)
            .https_only(!allow_http)
            .build();
        let resolver = PublicOnly::new(loopback_port);
        Fetcher {
            agent: ureq::Agent::with_parts(config, DefaultConnector::new(), resolver),
            allow_http,
            budget: test_env::millis(BUDGET_MS).unwrap_or(BUDGET),
            started: None,
        }
    }

    /// Downloads the image at `url` into `dir` as `KEY.EXT`, EXT the kind
    /// of picture it is. `Err`: why not.
    pub fn download(&mut self, url: &str, dir: &Path, key: &str) -> Result<PathBuf, String> {
        let now = Instant::now();
        let left = (*self.started.get_or_insert(now) + self.budget).saturating_duration_since(now);
        if left.is_zero() {
            return Err(format!("not tried: {}", spent(self.budget)));
        }
        let bound = Bound {
            until: now + left.min(PER_IMAGE),
            by_budget: left < PER_IMAGE,
            budget: self.budget,
        };
        let response = self.follow(url, &bound)?;
        keep_picture(response, dir, key, &bound)
    }

    /// The answer at the end of `url`'s redirects, each one's URL checked
    /// here and its addresses by the resolver.
    fn follow(&self, url: &str, bound: &Bound) -> Result<ureq::http::Response<ureq::Body>, String> {
        let mut url = url.to_string();
        for hop in 0..=MAX_REDIRECTS {
            let redirected = |reason: String| match hop {
                0 => reason,
                _ => format!("redirected to {url}: {reason}"),
            };
            let uri: Uri = url
                .parse()
                .map_err(|_| redirected("not a valid URL".into()))?;
            self.check_scheme(&uri).map_err(redirected)?;
            let timeout = bound.until.saturating_duration_since(Instant::now());
            let response = self
                .agent
                .get(&url)
                .config()
                .timeout_global(Some(timeout))
                .build()
                .call()
                .map_err(|err| redirected(describe(&err, bound)))?;
            if !response.status().is_redirection() {
                return Ok(response);
            }
            let location = response
                .headers()
                .get(header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or_else(|| redirected("a redirect without a Location".into()))?;
            url = redirect_target(&uri, location);
        }
        Err(format!("more than {MAX_REDIRECTS} redirects"))
    }

    fn check_scheme(&self, uri: &Uri) -> Result<(), String> {
        match uri.scheme_str() {
            Some("https") => Ok(()),
            Some("http") if self.allow_http => Ok(()),
            Some(scheme) => Err(format!(
                "refused: only https:// images are fetched, not {scheme}://"
            )),
            None => Err("not a valid URL".into()),
        }
    }
}

/// Keeps the body of `response` in `dir` as `KEY.EXT` when it is a picture
/// no larger than Anki takes, EXT the kind of picture it is, through a
/// temporary file beside it, so that a stopped build leaves no half image
/// in the cache.
fn keep_picture(
    mut response: ureq::http::Response<ureq::Body>,
    dir: &Path,
    key: &str,
    bound: &Bound,
) -> Result<PathBuf, String> {
    let content_type = response.body().mime_type().unwrap_or("none").to_string();
    // One byte past Anki's limit tells a file that is too large.
    let mut body = response
        .body_mut()
        .with_config()
        .limit(MAX_MEDIA_BYTES + 1)
        .reader()
        .take(MAX_MEDIA_BYTES + 1);
    let reading = |err: std::io::Error| match err.get_ref().and_then(|e| e.downcast_ref()) {
        Some(ureq::Error::Timeout(_)) => bound.ran_out(),
        _ => err.to_string(),
    };
    let mut head = Vec::with_capacity(SNIFF_LEN);
    (&mut body)
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .map_err(reading)?;
    // A server that answers with a page (a login, a 404 page sent as 200)
    // or a script must not end up in the collection.
    let ext = image_type::sniff(&head)
        .ok_or_else(|| format!("not an image (Content-Type: {content_type})"))?;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    file.write_all(&head).map_err(|e| e.to_string())?;
    let rest = std::io::copy(&mut body, &mut file).map_err(reading)?;
    if head.len() as u64 + rest > MAX_MEDIA_BYTES {
        return Err(format!(
            "larger than Anki's limit of {} MiB for a media file",
            MAX_MEDIA_BYTES >> 20
        ));
    }
    let path = dir.join(format!("{key}.{ext}"));
    file.persist(&path).map_err(|e| e.to_string())?;
    Ok(path)
}

/// The words for a failed request.
fn describe(err: &ureq::Error, bound: &Bound) -> String {
    if let Some(refusal) = address::refusal(err) {
        return refusal.to_string();
    }
    match err {
        ureq::Error::StatusCode(status) => format!("HTTP {status}"),
        ureq::Error::Timeout(_) => bound.ran_out(),
        other => other.to_string(),
    }
}

/// Where a redirect from `base` to `location` goes: `location` may be a
/// whole URL, start at the host (`//host/x`), at the root (`/x`), or be
/// relative to `base`'s folder.
fn redirect_target(base: &Uri, location: &str) -> String {
    let scheme = base.scheme_str().unwrap_or("https");
    let authority = base.authority().map_or("", |a| a.as_str());
    if location
        .parse::<Uri>()
        .is_ok_and(|uri| uri.scheme().is_some())
    {
        location.to_string()
    } else if location.starts_with("//") {
        format!("{scheme}:{location}")
    } else if location.starts_with('/') {
        format!("{scheme}://{authority}{location}")
    } else {
        let folder = base
            .path()
            .rsplit_once('/')
            .map_or("", |(folder, _)| folder);
        format!("{scheme}://{authority}{folder}/{location}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_go_where_their_location_says() {
        let base: Uri = "https://cdn.example.com/img/a.png?v=1".parse().unwrap();
        for (location, target) in [
            (
                "https://other.example.org/b.png",
                "https://other.example.org/b.png",
            ),
            ("http://127.0.0.1/x", "http://127.0.0.1/x"),
            ("//127.0.0.1/x", "https://127.0.0.1/x"),
            ("/b.png", "https://cdn.example.com/b.png"),
            ("b.png?v=2", "https://cdn.example.com/img/b.png?v=2"),
        ] {
            assert_eq!(redirect_target(&base, location), target, "{location}");
        }
    }
}
