//! Remote images kept in a cache in the output folder, so that a card shows
//! them offline and on a phone. `build --fetch-remote` downloads the ones the
//! cache lacks, once; every later build packs what the cache holds without
//! touching the network, and only an image never fetched stays a link.

mod address;
mod fetch;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use fetch::Fetcher;

/// The cache's folder in OUT. Hidden, and not an output: a build never
/// removes it.
pub const CACHE_DIR: &str = ".notedeck-remote";

/// The remote images of one output folder.
#[derive(Debug)]
pub struct RemoteImages {
    dir: PathBuf,
    /// What the cache holds, by `cache_key`: listed on first use.
    cached: Option<Result<HashMap<String, PathBuf>, String>>,
    /// Present when the build was asked to download what the cache lacks.
    fetcher: Option<Fetcher>,
}

impl RemoteImages {
    /// The cache of `out`; with `fetch`, images it lacks are downloaded.
    pub fn new(out: &Path, fetch: bool) -> Self {
        RemoteImages {
            dir: out.join(CACHE_DIR),
            cached: None,
            fetcher: fetch.then(Fetcher::new),
        }
    }

    /// The cached copy of the image at `url`, downloaded first when it is
    /// missing and fetching was asked for. `Ok(None)`: not cached, and not
    /// to be fetched. `Err`: the download failed, with the reason. What
    /// the cache holds is not trusted (an output folder may be cloned with
    /// the notes): `Media` packs it only when it is a regular file and a
    /// picture.
    pub fn get(&mut self, url: &str) -> Result<Option<PathBuf>, String> {
        let key = cache_key(url);
        let dir = &self.dir;
        let cached = self
            .cached
            .get_or_insert_with(|| list(dir))
            .as_mut()
            .map_err(|reason| reason.clone())?;
        if let Some(path) = cached.get(&key) {
            return Ok(Some(path.clone()));
        }
        let Some(fetcher) = &mut self.fetcher else {
            return Ok(None);
        };
        // `//host/x.png` takes the scheme of the page; a card has none.
        let url = match url.strip_prefix("//") {
            Some(rest) => format!("https://{rest}"),
            None => url.to_string(),
        };
        let path = fetcher.download(&url, dir, &key)?;
        cached.insert(key, path.clone());
        Ok(Some(path))
    }
}

/// The files of the cache folder `dir` by key (a missing folder is an
/// empty cache). The folder must be one: a link to another folder would
/// have the build read, and write, there.
fn list(dir: &Path) -> Result<HashMap<String, PathBuf>, String> {
    match fs::symlink_metadata(dir) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(err) => return Err(format!("{}: {err}", dir.display())),
        Ok(meta) if !meta.is_dir() => {
            return Err(format!(
                "the cache {} is not a folder (a link?): nothing is taken from it",
                dir.display()
            ))
        }
        Ok(_) => {}
    }
    let entries = fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    Ok(entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let key = name.split('.').next()?;
            is_key(key).then(|| (key.to_string(), entry.path()))
        })
        .collect())
}

/// The cache's key for `url`: 16 hex digits of its hash (query included:
/// it may pick the picture). The file is `KEY.EXT`, EXT the kind of
/// picture it holds.
fn cache_key(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

fn is_key(name: &str) -> bool {
    name.len() == 16 && name.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_keys_differ_by_query() {
        let a = cache_key("https://example.com/img/Diagram.PNG?v=1");
        let b = cache_key("https://example.com/img/Diagram.PNG?v=2");
        assert_ne!(a, b);
        assert!(is_key(&a) && is_key(&b), "{a} {b}");
    }

    #[test]
    fn without_fetching_only_what_the_cache_holds_is_found() {
        let out = tempfile::tempdir().unwrap();
        let cache = out.path().join(CACHE_DIR);
        fs::create_dir_all(&cache).unwrap();
        // Named by its kind of picture, or by an older notedeck by its URL.
        let cached = cache.join(format!("{}.webp", cache_key("https://example.com/y.png")));
        fs::write(&cached, b"RIFF\0\0\0\0WEBP").unwrap();
        fs::write(cache.join("not-a-key.png"), b"").unwrap();
        let mut remote = RemoteImages::new(out.path(), false);
        assert_eq!(remote.get("https://example.com/x.png"), Ok(None));
        assert_eq!(remote.get("https://example.com/y.png"), Ok(Some(cached)));
    }

    #[cfg(unix)]
    #[test]
    fn a_cache_that_is_a_link_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        fs::create_dir_all(&elsewhere).unwrap();
        let key = cache_key("https://example.com/y.png");
        fs::write(elsewhere.join(&key), b"secret").unwrap();
        std::os::unix::fs::symlink(&elsewhere, dir.path().join(CACHE_DIR)).unwrap();
        let mut remote = RemoteImages::new(dir.path(), false);
        let refused = remote.get("https://example.com/y.png").unwrap_err();
        assert!(refused.contains("not a folder"), "{refused}");
    }
}
