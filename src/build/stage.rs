//! The outputs a build stages: the ones that must change, and the ones of
//! earlier builds that no build makes any more. The outputs of every deck
//! are made by updating what the last build kept of them (the package's
//! collection, the CSV's layout), when the index records it and it is
//! there as recorded (`export::kept`, `export::CsvLayout`).

use std::collections::HashSet;

use anyhow::Context;

use super::outputs::{self, output_name};
use super::{progress, Run};
use crate::card::IndexedCard;
use crate::export::{self, kept, OutputFormat, Source, StagedFile};
use crate::index;

/// What the index's `meta` calls its record of the kept collection.
const META_COLLECTION: &str = "collection";
/// ... and of the layout of the CSV of every deck.
const META_CSV: &str = "csv";

/// What the last build kept of the outputs of every deck, as the index
/// records it.
#[derive(Default)]
struct Kept {
    collection: Option<kept::Record>,
    csv: Option<export::CsvLayout>,
}

/// The outputs staged, and the collection to keep beside them.
pub(super) struct StagedOutputs {
    pub files: Vec<StagedFile>,
    pub kept: Option<StagedFile>,
    /// Whether the collection an earlier build kept is no longer recorded
    /// and none is kept in its place (a build with `--split`, or without
    /// a package): the file in OUT is then only taking room.
    pub kept_forgotten: bool,
}

impl Run<'_, '_> {
    /// Stages the outputs that must change: all of them when a card changed
    /// (or, with `--split`, those of the decks that did), those missing or
    /// left pending by a stopped build, and every one with `--force`; and
    /// lists the outputs of earlier builds that no build makes any more.
    /// A dry run stages nothing and only lists them.
    pub(super) fn stage_outputs(&mut self) -> anyhow::Result<StagedOutputs> {
        let out = &self.options.out;
        let recorded = outputs::Recorded::new(self.writer.outputs()?);
        let rewrite_all = self.options.force || self.options.fetch_remote || self.writer.migrated();
        let collection_record = self.writer.meta(META_COLLECTION)?;
        let mut kept = Kept::default();
        if !rewrite_all {
            kept.collection = collection_record.as_deref().and_then(kept::Record::parse);
            kept.csv = self
                .writer
                .meta(META_CSV)?
                .and_then(|text| export::CsvLayout::parse(&text));
        }
        // Whether the records were made again (or forgotten) for the
        // outputs of every deck staged now.
        let mut records_renewed = false;
        let mut collection_forgotten = false;
        let mut kept_file = None;
        let sets = self.output_sets()?;
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
            let kept = if deck.is_none() {
                std::mem::take(&mut kept)
            } else {
                Kept::default()
            };
            let mut set = self
                .stage_set(stem, deck.as_deref(), kept)
                .with_context(|| {
                    format!("{}: cannot write the outputs", out.join(stem).display())
                })?;
            if deck.is_none() {
                collection_forgotten = set.record.is_none();
                self.renew_record(
                    META_COLLECTION,
                    set.record.as_ref().map(kept::Record::to_json),
                )?;
                self.renew_record(
                    META_CSV,
                    set.csv_layout.as_ref().map(export::CsvLayout::to_json),
                )?;
                records_renewed = true;
                kept_file = set.kept.take();
            }
            self.report
                .written
                .extend(set.files.iter().map(|f| f.path.clone()));
            self.report.warnings.extend(set.warnings);
            staged.extend(set.files);
        }
        writing.finish_and_clear();
        // What an earlier build kept no longer holds the cards once any
        // changed without it being updated.
        if !records_renewed && !self.options.dry_run && (rewrite_all || !self.dirty.is_empty()) {
            self.renew_record(META_COLLECTION, None)?;
            self.renew_record(META_CSV, None)?;
            collection_forgotten = true;
        }
        let forgotten = self.sweep_gone(recorded, &made);
        let written: Vec<String> = self.report.written.iter().map(|p| output_name(p)).collect();
        self.writer.record_outputs(&written, &forgotten)?;
        Ok(StagedOutputs {
            files: staged,
            kept: kept_file,
            kept_forgotten: collection_forgotten && collection_record.is_some(),
        })
    }

    /// Each output set of this build: its stem and its deck (`None`: every
    /// deck).
    fn output_sets(&self) -> anyhow::Result<Vec<(String, Option<String>)>> {
        Ok(if self.options.split {
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
        })
    }

    /// Earlier outputs of the kinds this build writes that it no longer
    /// makes (not in `made`): only files notedeck recorded as its own, and
    /// made, are listed for removal. Returns the records to forget: those,
    /// and the others.
    fn sweep_gone(&mut self, recorded: outputs::Recorded, made: &HashSet<String>) -> Vec<String> {
        let out = &self.options.out;
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
        forgotten
    }

    /// Stages the outputs of `deck` (`None`: of every deck). Those of
    /// every deck are updated from what the last build kept (`kept`) when
    /// each output wanted has it there as the index records it; else, or
    /// when an update fails, they are made anew.
    fn stage_set(
        &self,
        stem: &str,
        deck: Option<&str>,
        kept: Kept,
    ) -> anyhow::Result<export::Staged> {
        let wants = |format| self.options.formats.contains(&format);
        let collection = kept
            .collection
            .filter(|_| wants(OutputFormat::Apkg))
            .and_then(|record| kept::Verified::check(&self.options.out, record));
        let csv = kept.csv.filter(|_| wants(OutputFormat::Csv));
        let updatable = (collection.is_some() || csv.is_some())
            && (collection.is_some() || !wants(OutputFormat::Apkg))
            && (csv.is_some() || !wants(OutputFormat::Csv));
        if deck.is_none() && updatable {
            match self.stage_update(stem, collection, csv) {
                // What was kept is no longer what the index records: the
                // outputs are made anew below, and kept in its place.
                Err(err) if err.is::<export::NotUpdated>() => {}
                staged => return staged,
            }
        }
        self.stage_cards(stem, &self.writer.cards_to_export(deck)?, Source::Fresh)
    }

    /// Stages the outputs of every deck by updating the kept collection
    /// and splicing the CSV in place (as far as each is wanted), from the
    /// cards they need: the ones that changed, those of the note files read
    /// again (the CSV's runs of those files are written again), and those
    /// that name media (the package's media are theirs).
    fn stage_update(
        &self,
        stem: &str,
        collection: Option<kept::Verified>,
        csv: Option<export::CsvLayout>,
    ) -> anyhow::Result<export::Staged> {
        let (changed, gone) = self.writer.touched_cards()?;
        let changed_guids: Vec<String> = changed.iter().map(|c| c.card.guid.clone()).collect();
        // The cards that changed are in the files read again.
        let mut cards = if csv.is_some() {
            self.writer.cards_in_files(&self.read_files)?
        } else {
            changed
        };
        if let Some(collection) = &collection {
            let have: HashSet<String> = cards.iter().map(|c| c.card.guid.clone()).collect();
            let media: Vec<String> = collection
                .record
                .media
                .iter()
                .filter(|guid| !have.contains(*guid))
                .cloned()
                .collect();
            cards.extend(self.writer.cards_with_guids(&media)?);
            index::sort_in_note_order(&mut cards);
        }
        let decks = self.writer.decks()?;
        let update = export::Update {
            kept: collection,
            changed: changed_guids.iter().map(String::as_str).collect(),
            gone: &gone,
            decks: &decks,
            csv: csv.map(|layout| export::CsvSplice {
                layout,
                read: &self.read_files,
            }),
        };
        self.stage_cards(stem, &cards, Source::Update(Box::new(update)))
    }

    /// Records what is kept of an output for the next build (`None`: nothing).
    fn renew_record(&self, name: &str, record: Option<String>) -> anyhow::Result<()> {
        match record {
            Some(record) => self.writer.set_meta(name, &record),
            None => self.writer.forget_meta(name),
        }
    }

    fn stage_cards(
        &self,
        stem: &str,
        cards: &[IndexedCard],
        source: Source,
    ) -> anyhow::Result<export::Staged> {
        export::stage(
            &self.options.out,
            self.notes,
            stem,
            cards,
            &self.options.formats,
            self.options.fetch_remote,
            source,
        )
    }
}
