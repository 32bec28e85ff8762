//! The outputs a build stages: the ones that must change, and the ones of
//! earlier builds that no build makes any more. The package of every deck
//! is made by updating the collection the last build kept, when the index
//! records that collection as the one it left (`export::kept`).

use std::collections::HashSet;

use anyhow::Context;

use super::outputs::{self, output_name};
use super::{progress, Run};
use crate::card::IndexedCard;
use crate::export::{self, kept, Collection, OutputFormat, StagedFile};

/// What the index's `meta` calls its record of the kept collection.
const META_COLLECTION: &str = "collection";

/// The outputs staged, and the collection to keep beside them.
pub(super) struct StagedOutputs {
    pub files: Vec<StagedFile>,
    pub kept: Option<StagedFile>,
}

impl Run<'_, '_> {
    /// (or, with `--split`, those of the decks that did), those missing or
    /// left pending by a stopped build, and every one with `--force`; and
    /// lists the outputs of earlier builds that no build makes any more.
    /// A dry run stages nothing and only lists them.
    pub(super) fn stage_outputs(&mut self) -> anyhow::Result<StagedOutputs> {
        let out = &self.options.out;
        let recorded = outputs::Recorded::new(self.writer.outputs()?);
        let rewrite_all = self.options.force || self.options.fetch_remote || self.writer.migrated();
        let mut kept_record = (!rewrite_all)
            .then(|| self.writer.meta(META_COLLECTION))
            .transpose()?
            .flatten()
            .and_then(|text| kept::Record::parse(&text));
        // Whether the record was made again (or forgotten) for the package
        // staged now.
        let mut record_renewed = false;
        let mut kept_file = None;
        // Each output set: its stem and its deck (`None`: every deck).
        let sets: Vec<(String, Option<String>)> = if self.options.split {
            let decks = self.writer.decks()?;
            let stems = export::split_stems(&decks);
            decks
                .iter()
                .map(|deck| (stems[deck].clone(), Some(deck.clone())))
                .collect()
        } else if self.writer.has_cards()? {
            vec![(export::package_stem(self.notes), None)]
        } else {
            Vec::new()
        };
        let mut made = HashSet::new();
        let mut staged = Vec::new();
        let writing = progress(
            self.options.progress && !self.options.dry_run,
            sets.len() as u64,
            "{spinner} writing {pos}/{len} {wide_msg}",
        );
        for (stem, deck) in &sets {
            writing.inc(1);
            writing.set_message(stem.clone());
            let names: Vec<String> = self
                .options
                .formats
                .iter()
                .map(|format| format!("{stem}.{}", format.extension()))
                .collect();
            made.extend(names.iter().cloned());
            let stale = names
                .iter()
                .any(|name| recorded.names.get(name) != Some(&false) || !out.join(name).exists());
            let changed = match deck {
                Some(deck) => self.dirty.contains(deck),
                None => !self.dirty.is_empty(),
            };
            if !(rewrite_all || stale || changed) {
                continue;
            }
            for (name, format) in names.iter().zip(&self.options.formats) {
                outputs::check_replaceable(
                    &out.join(name),
                    *format,
                    recorded.names.contains_key(name),
                    self.adopting,
                )?;
            }
            if self.options.dry_run {
                self.report
                    .written
                    .extend(names.iter().map(|name| out.join(name)));
                continue;
            }
            let record = if deck.is_none() {
                kept_record.take()
            } else {
                None
            };
            let mut set = self
                .stage_set(stem, deck.as_deref(), record)
                .with_context(|| {
                    format!("{}: cannot write the outputs", out.join(stem).display())
                })?;
            if deck.is_none() && self.options.formats.contains(&OutputFormat::Apkg) {
                match &set.record {
                    Some(record) => self.writer.set_meta(META_COLLECTION, &record.to_json())?,
                    None => self.writer.forget_meta(META_COLLECTION)?,
                }
                record_renewed = true;
                kept_file = set.kept.take();
            }
            self.report
                .written
                .extend(set.files.iter().map(|f| f.path.clone()));
            self.report.warnings.extend(set.warnings);
            staged.extend(set.files);
        }
        writing.finish_and_clear();
        // A collection kept by an earlier build no longer holds the cards
        // once any changed without it being updated.
        if !record_renewed && !self.options.dry_run && (rewrite_all || !self.dirty.is_empty()) {
            self.writer.forget_meta(META_COLLECTION)?;
        }
        // Earlier outputs of the kinds this build writes that it no longer
        // makes: only files notedeck recorded as its own, and made, are
        // ever removed. The records of the others are forgotten.
        let mut forgotten = recorded.invalid;
        let mut gone: Vec<(String, OutputFormat)> = recorded
            .names
            .into_keys()
            .filter(|name| !made.contains(name))
            .filter_map(|name| {
                let format = outputs::format_of(&name)?;
                self.options
                    .formats
                    .contains(&format)
                    .then_some((name, format))
            })
            .collect();
        gone.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, format) in gone {
            let path = out.join(&name);
            if outputs::is_made_by_notedeck(&path, format) {
                self.report.deleted.push(path);
            } else if std::fs::symlink_metadata(&path).is_ok() {
                self.report.warnings.push(format!(
                    "{}: left as it is: the index recorded it as an old output, but notedeck did not make this file",
                    path.display()
                ));
            }
            forgotten.push(name);
        }
        let written: Vec<String> = self.report.written.iter().map(|p| output_name(p)).collect();
        self.writer.record_outputs(&written, &forgotten)?;
        Ok(StagedOutputs {
            files: staged,
            kept: kept_file,
        })
    }

    /// Stages the outputs of `deck` (`None`: of every deck), the package
    /// made by updating the collection of `record` when it is there as
    /// recorded, else anew.
    fn stage_set(
        &self,
        stem: &str,
        deck: Option<&str>,
        record: Option<kept::Record>,
    ) -> anyhow::Result<export::Staged> {
        let formats = &self.options.formats;
        let verified = record
            .filter(|_| formats.contains(&OutputFormat::Apkg))
            .and_then(|record| kept::Verified::check(&self.options.out, record));
        if let Some(kept) = verified {
            let (changed, gone) = self.writer.touched_cards()?;
            let changed_guids: Vec<String> = changed.iter().map(|c| c.card.guid.clone()).collect();
            let changed_set: HashSet<&str> = changed_guids.iter().map(String::as_str).collect();
            let cards = if formats.contains(&OutputFormat::Csv) {
                self.writer.cards_to_export(None)?
            } else {
                // The package's media are those of the cards that name
                // some: the ones that did at the last build, and these.
                let media: Vec<String> = kept
                    .record
                    .media
                    .iter()
                    .filter(|guid| !changed_set.contains(guid.as_str()))
                    .cloned()
                    .collect();
                let mut cards = changed;
                cards.extend(self.writer.cards_with_guids(&media)?);
                cards.sort_by(|a, b| {
                    (&a.card.deck, &a.card.file, a.card.line).cmp(&(
                        &b.card.deck,
                        &b.card.file,
                        b.card.line,
                    ))
                });
                cards
            };
            let decks = self.writer.decks()?;
            let update = export::Update {
                kept,
                changed: changed_set.clone(),
                gone: &gone,
                decks: &decks,
            };
            match self.stage_cards(stem, &cards, Collection::Update(update)) {
                // The kept file is no longer what the index records: the
                // package is made anew below, and kept in its place.
                Err(err) if err.is::<export::NotUpdated>() => {}
                staged => return staged,
            }
        }
        self.stage_cards(stem, &self.writer.cards_to_export(deck)?, Collection::Fresh)
    }

    fn stage_cards(
        &self,
        stem: &str,
        cards: &[IndexedCard],
        collection: Collection,
    ) -> anyhow::Result<export::Staged> {
        export::stage(
            &self.options.out,
            self.notes,
            stem,
            cards,
            &self.options.formats,
            self.options.fetch_remote,
            collection,
        )
    }
}
