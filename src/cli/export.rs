//! `plumbline export`: a stored session as CSV (per-second samples or events) or as one JSON
//! document; `--list` shows the stored sessions. Column names are documented in
//! `docs/RECORDS.md`.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;

use super::Global;
use crate::report::export;
use crate::store::{SessionId, Store};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values, one table.
    Csv,
    /// One JSON document with `session`, `samples` and `events`.
    Json,
}

/// Which table the CSV holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Table {
    /// Per-second samples.
    Samples,
    /// Events (alerts, snoozes, calibrations, state changes).
    Events,
}

/// Arguments of `plumbline export`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The session database (default: the platform data folder).
    #[arg(long, value_name = "FILE", env = "PLUMBLINE_DB")]
    pub db: Option<PathBuf>,

    /// The session to export (see --list).
    #[arg(long, value_name = "N", required_unless_present = "list")]
    pub session: Option<i64>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    /// With --format csv: which table to write.
    #[arg(long, value_enum, default_value_t = Table::Samples)]
    pub table: Table,

    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// List the stored sessions instead of exporting one.
    #[arg(long)]
    pub list: bool,
}

/// Runs the command.
pub fn run(args: &Args, _global: &Global) -> anyhow::Result<ExitCode> {
    let store = Store::open_existing(args.db.as_deref())?;
    let mut out: Box<dyn std::io::Write> = match &args.out {
        Some(path) => Box::new(std::io::BufWriter::new(
            crate::store::private::create_private(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    if args.list {
        list(&store, &mut out)?;
    } else {
        let id = SessionId(args.session.context("--session N is required")?);
        let info = store.session(id)?;
        match (args.format, args.table) {
            (Format::Csv, Table::Samples) => {
                export::write_samples_csv(&mut out, &store.samples(id)?)?;
            }
            (Format::Csv, Table::Events) => export::write_events_csv(&mut out, &store.events(id)?)?,
            (Format::Json, _) => {
                let document =
                    export::session_json(&info, &store.samples(id)?, &store.events(id)?)?;
                serde_json::to_writer_pretty(&mut out, &document)?;
                writeln!(out)?;
            }
        }
    }
    out.flush().context("cannot write the export")?;
    Ok(ExitCode::SUCCESS)
}

fn list(store: &Store, out: &mut dyn std::io::Write) -> anyhow::Result<()> {
    writeln!(out, "id\tkind\tsubject\tstarted_at\tseconds\tview\tsource")?;
    for info in store.sessions(None)? {
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            info.id,
            info.kind.as_str(),
            info.subject.as_deref().unwrap_or("-"),
            info.started_at,
            info.seconds,
            info.view.map_or("-", crate::posture::View::name),
            info.source
        )?;
    }
    Ok(())
}
