//! `plumbline history`: a subject's visits, oldest first: every baseline and follow-up with
//! its date, session, view and CVA (mean ± SD, n), each follow-up's change against the
//! baseline before it in words, the notes, and the subject's other sessions.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Global;
use super::text::{Align, table, wrap};
use crate::report::history::{
    NO_VISITS, VISIT_COLUMNS, VisitLine, change_legend, history_document, visit_lines, visit_notes,
    visits_title,
};
use crate::store::{SessionKind, Store, Visit};

/// Arguments of `plumbline history`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The subject's code, as given to `plumbline baseline`.
    #[arg(long, value_name = "ID")]
    pub subject: String,

    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,

    /// Also write the visits as an HTML page with the CVA trend (mean ± SD per visit and the
    /// minimal detectable change band).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: &Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(args.db.as_deref())?;
    let subject = args.subject.trim();
    let visits = store.visits(subject)?;
    let others: Vec<(i64, SessionKind)> = store
        .sessions(Some(subject))?
        .into_iter()
        .filter(|info| {
            !visits
                .iter()
                .any(|visit| visit.hold.session == Some(info.id))
        })
        .map(|info| (info.id.0, info.kind))
        .collect();
    anyhow::ensure!(
        !visits.is_empty() || !others.is_empty(),
        "subject {subject} has no sessions in {}; record a baseline with `plumbline baseline \
         --subject {subject} --source ...`",
        store.path().display()
    );
    if let Some(path) = &args.html {
        crate::store::private::write_private(
            path,
            history_document(subject, &visits).html().as_bytes(),
        )
        .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("trend: {}", path.display());
    }
    if args.json {
        let json = serde_json::json!({
            "subject": subject,
            "visits": visits,
            "other_sessions": others
                .iter()
                .map(|(id, kind)| serde_json::json!({"session": id, "kind": kind}))
                .collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&json)?);
    } else {
        print!("{}", history_text(subject, &visits, &others));
    }
    Ok(ExitCode::SUCCESS)
}

/// The history as text that fits 100 columns.
pub fn history_text(subject: &str, visits: &[Visit], others: &[(i64, SessionKind)]) -> String {
    let title = visits_title(subject);
    let mut out = format!("{title}\n{}\n", "=".repeat(title.chars().count()));
    if visits.is_empty() {
        out.push_str(&wrap(NO_VISITS, 0));
    } else {
        let rows: Vec<Vec<String>> = visit_lines(subject, visits)
            .into_iter()
            .map(VisitLine::cells)
            .collect();
        let aligns = [
            Align::Right,
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Left,
        ];
        let columns: Vec<(&str, Align)> = VISIT_COLUMNS.into_iter().zip(aligns).collect();
        out.push_str(&table(&columns, &rows));
        out.push_str(&wrap(&change_legend(), 0));
        let notes = visit_notes(visits);
        if !notes.is_empty() {
            out.push('\n');
            out.push_str("Notes\n");
            for (session, note) in notes {
                out.push_str(&wrap(&format!("- session {session}: {note}"), 2));
            }
        }
    }
    if !others.is_empty() {
        let list: Vec<String> = others
            .iter()
            .map(|(id, kind)| format!("{id} ({})", kind.as_str()))
            .collect();
        out.push('\n');
        out.push_str(&wrap(
            &format!(
                "Other sessions of {subject} (not holds, not compared here): {}.",
                list.join(", ")
            ),
            0,
        ));
    }
    out
}
