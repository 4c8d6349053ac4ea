//! Unit tests of building and validating requests, from settings parsed the way the runner parses
//! them. Index: `fixture` (settings text and valid requests), `build_training`, `build_tuning`,
//! `build_processing`, `validate_training`, `validate_tuning`, `validate_processing`, `dry_run`.

mod build_processing;
mod build_training;
mod build_tuning;
mod dry_run;
mod fixture;
mod validate_processing;
mod validate_training;
mod validate_tuning;
