//! Remote images kept in a cache in the output folder, so that a card shows
//! them offline and on a phone. `build --fetch-remote` downloads the ones the
//! cache lacks, once; every later build packs what the cache holds without
//! touching the network, and only an image never fetched stays a link.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::media::MAX_MEDIA_BYTES;

/// The cache's folder in OUT. Hidden, and not an output: a build never
/// removes it.
pub const CACHE_DIR: &str = ".notedeck-remote";

/// How long one image may take, connection included: a dead host must not
/// hold up a build for long.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The remote images of one output folder.
#[derive(Debug)]
pub struct RemoteImages {
    dir: PathBuf,
    /// Present when the build was asked to download what the cache lacks.
    agent: Option<ureq::Agent>,
}

impl RemoteImages {
    /// The cache of `out`; with `fetch`, images it lacks are downloaded.
    pub fn new(out: &Path, fetch: bool) -> Self {
        let agent = fetch.then(|| {
            ureq::Agent::config_builder()
                .timeout_global(Some(TIMEOUT))
                .build()
                .into()
        });
        RemoteImages {
            dir: out.join(CACHE_DIR),
            agent,
        }
    }

    /// The cached copy of the image at `url`, downloaded first when it is
    /// missing and fetching was asked for. `Ok(None)`: not cached, and not
    /// to be fetched. `Err`: the download failed, with the reason.
    pub fn get(&self, url: &str) -> Result<Option<PathBuf>, String> {
        let path = self.dir.join(cache_name(url));
        if path.is_file() {
            return Ok(Some(path));
        }
        let Some(agent) = &self.agent else {
            return Ok(None);
        };
        // `//host/x.png` takes the scheme of the page; a card has none.
        let url = match url.strip_prefix("//") {
            Some(rest) => format!("https://{rest}"),
            None => url.to_string(),
        };
        download(agent, &url, &path)?;
        Ok(Some(path))
    }
}

/// Downloads an image into `path` through a temporary file beside it, so a
/// stopped build leaves no half image in the cache.
fn download(agent: &ureq::Agent, url: &str, path: &Path) -> Result<(), String> {
    let mut response = agent.get(url).call().map_err(|e| e.to_string())?;
    let body = response.body_mut();
    // A server that answers with a page (a login, a 404 page sent as 200)
    // must not end up as a broken "image" in the collection.
    match body.mime_type() {
        Some(mime) if mime.starts_with("image/") => {}
        other => {
            return Err(format!(
                "not an image (Content-Type: {})",
                other.unwrap_or("none")
            ))
        }
    }
    let dir = path.parent().expect("a cache file has a folder");
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut file = tempfile::NamedTempFile::new_in(dir).map_err(|e| e.to_string())?;
    // One byte past Anki's limit tells a file that is too large.
    let mut reader = body
        .with_config()
        .limit(MAX_MEDIA_BYTES + 1)
        .reader()
        .take(MAX_MEDIA_BYTES + 1);
    let read = std::io::copy(&mut reader, &mut file).map_err(|e| e.to_string())?;
    if read > MAX_MEDIA_BYTES {
        return Err(format!(
            "larger than Anki's limit of {} MiB for a media file",
            MAX_MEDIA_BYTES >> 20
        ));
    }
    file.persist(path).map_err(|e| e.to_string())?;
    Ok(())
}

/// The cache's name for `url`: a hash of the URL (query included: it may
/// pick the picture) and the extension of its path, which Anki needs to
/// know the file for an image.
fn cache_name(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let path = url.split(['?', '#']).next().unwrap_or_default();
    let file = path.rsplit('/').next().unwrap_or_default();
    let ext: String = file
        .rsplit_once('.')
        .map(|(_, ext)| ext)
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    if ext.is_empty() {
        hex
    } else {
        format!("{hex}.{ext}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_keep_the_extension_and_differ_by_query() {
        let a = cache_name("https://example.com/img/Diagram.PNG?v=1");
        let b = cache_name("https://example.com/img/Diagram.PNG?v=2");
        assert!(a.ends_with(".png") && b.ends_with(".png"), "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(a.len(), 16 + 4);
        assert!(!cache_name("https://example.com/").contains('.'));
        assert!(!cache_name("https://example.com/a.b/pic").contains('.'));
    }

    #[test]
    fn without_fetching_an_uncached_image_is_none() {
        let out = tempfile::tempdir().unwrap();
        let remote = RemoteImages::new(out.path(), false);
        assert_eq!(remote.get("https://example.com/x.png"), Ok(None));
        let cached = out
            .path()
            .join(CACHE_DIR)
            .join(cache_name("https://example.com/y.png"));
        fs::create_dir_all(cached.parent().unwrap()).unwrap();
        fs::write(&cached, b"png").unwrap();
        assert_eq!(remote.get("https://example.com/y.png"), Ok(Some(cached)));
    }
}
