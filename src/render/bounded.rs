//! HTML written within a limit: past it, `…` and the ends of the elements
//! still open.

use std::cell::Cell;
use std::fmt;

use pulldown_cmark::{Event, TagEnd};

/// The HTML of `events` in at most `limit` bytes (but for the last event
/// written, a text may overshoot by its own size): past it `…` marks the
/// cut and the elements still open are closed.
pub(super) fn bounded_html<'e>(events: impl Iterator<Item = Event<'e>>, limit: usize) -> String {
    let written = Cell::new(0);
    let mut html = Counted {
        out: String::new(),
        written: &written,
    };
    let events = Bounded {
        events,
        written: &written,
        limit,
        open: Vec::new(),
        closing: None,
    };
    pulldown_cmark::html::write_html_fmt(&mut html, events).expect("writing to a String");
    html.out
}

/// A String that tells how much has been written into it.
struct Counted<'c> {
    out: String,
    written: &'c Cell<usize>,
}

impl fmt::Write for Counted<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.push_str(s);
        self.written.set(self.out.len());
        Ok(())
    }
}

/// The longest HTML pulldown-cmark writes to end an element
/// (`</tbody></table>\n`): room for it is kept for each open element.
pub(super) const MAX_END_TAG: usize = 20;

/// The events while they and the ends of the elements they open fit in
/// `limit` bytes, then `…` and the end of every element still open,
/// innermost first.
struct Bounded<'c, I> {
    events: I,
    written: &'c Cell<usize>,
    limit: usize,
    open: Vec<TagEnd>,
    /// Once cut: the events left to close what is open.
    closing: Option<std::vec::IntoIter<Event<'static>>>,
}

impl<'e, I: Iterator<Item = Event<'e>>> Iterator for Bounded<'_, I> {
    type Item = Event<'e>;

    fn next(&mut self) -> Option<Event<'e>> {
        let to_close = self.open.len() * MAX_END_TAG + "…".len();
        if self.closing.is_none() && self.written.get() + to_close > self.limit {
            let mut closing = vec![Event::Text("…".into())];
            closing.extend(self.open.drain(..).rev().map(Event::End));
            self.closing = Some(closing.into_iter());
        }
        if let Some(closing) = &mut self.closing {
            return closing.next();
        }
        let event = self.events.next()?;
        match &event {
            Event::Start(tag) => self.open.push(tag.to_end()),
            Event::End(_) => {
                self.open.pop();
            }
            _ => {}
        }
        Some(event)
    }
}
