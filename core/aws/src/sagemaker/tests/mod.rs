//! Unit tests of building and validating requests, from settings parsed the way the runner parses
//! them. Index: `fixture` (settings text and valid requests), `build_training`,
//! `build_processing`, `validate_training`, `validate_processing`, `dry_run`.

mod build_processing;
mod build_training;
mod dry_run;
mod fixture;
mod validate_processing;
mod validate_training;
