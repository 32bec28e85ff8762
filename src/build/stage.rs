//! The outputs a build stages: the ones that must change, and the ones of
//! earlier builds that no build makes any more.

use std::collections::HashSet;

use anyhow::Context;

use super::outputs::{self, output_name};
use super::{progress, Run};
use crate::export::{self, OutputFormat, StagedFile};

impl Run<'_, '_> {
    /// Stages the outputs that must change: all of them when a card changed
    /// (or, with `--split`, those of the decks that did), those missing or
    /// left pending by a stopped build, and every one with `--force`; and
    /// lists the outputs of earlier builds that no build makes any more.
    /// A dry run stages nothing and only lists them.
    pub(super) fn stage_outputs(&mut self) -> anyhow::Result<Vec<StagedFile>> {
        let out = &self.options.out;
        let recorded = outputs::Recorded::new(self.writer.outputs()?);
        let rewrite_all = self.options.force || self.options.fetch_remote || self.writer.migrated();
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
            let cards = self.writer.cards_to_export(deck.as_deref())?;
            let set = export::stage(
                out,
                self.notes,
                stem,
                &cards,
                &self.options.formats,
                self.options.fetch_remote,
            )
            .with_context(|| format!("{}: cannot write the outputs", out.join(stem).display()))?;
            self.report
                .written
                .extend(set.files.iter().map(|f| f.path.clone()));
            self.report.warnings.extend(set.warnings);
            staged.extend(set.files);
        }
        writing.finish_and_clear();
        let forgotten = self.sweep_gone(recorded, &made);
        let written: Vec<String> = self.report.written.iter().map(|p| output_name(p)).collect();
        self.writer.record_outputs(&written, &forgotten)?;
        Ok(staged)
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
}
