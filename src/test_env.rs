//! Settings that only notedeck's own tests use, read from the environment
//! of the process, which the user controls: never from a notes folder or
//! its `notedeck.toml`, which may come from a stranger. Each is named
//! `NOTEDECK_TEST_…`, so that no one sets one by chance.

use std::str::FromStr;
use std::time::Duration;

/// The number in the variable `name`, when it holds one.
pub fn number<T: FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok()?.trim().parse().ok()
}

/// The milliseconds in the variable `name`, when it holds a number.
pub fn millis(name: &str) -> Option<Duration> {
    number(name).map(Duration::from_millis)
}
