//! Sessions, samples, events and baselines in SQLite; export and reports.
