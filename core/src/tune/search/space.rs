//! The search space as a unit hypercube: one dimension per tuned parameter, and the maps between a
//! point of the cube and the settings values it stands for. Strategies only ever see points; the
//! tuner turns them into `key = value` overrides with [`Space::decode`], and turns recorded trials
//! back into points with [`Space::encode`].

use std::collections::BTreeMap;

use super::scale::Range;
use super::text::float_text;
use crate::settings::SearchSpace;

/// One tuned parameter's value, as the settings text the tuner hands to the training job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The `[training]` key.
    pub name: String,
    /// Its value as `settings.ini` would spell it (`0.000123457`, `32`, a categorical choice
    /// verbatim).
    pub text: String,
}

/// The search space as a unit hypercube: one dimension per parameter, in the order given.
#[derive(Debug, Clone, PartialEq)]
pub struct Space {
    params: Vec<(String, SearchSpace)>,
}

impl Space {
    /// The space of `params` (usually `TuningSettings::search_space`), one dimension each, in order.
    pub fn new(params: Vec<(String, SearchSpace)>) -> Space {
        Space { params }
    }

    /// The number of dimensions (tuned parameters).
    pub fn dims(&self) -> usize {
        self.params.len()
    }

    /// The parameter names, in dimension order.
    pub fn names(&self) -> Vec<&str> {
        self.params.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// The parameters and their spaces, in dimension order.
    pub(super) fn params(&self) -> &[(String, SearchSpace)] {
        &self.params
    }

    /// Maps a point of [0, 1]^d to values, one [`Assignment`] per parameter in dimension order.
    ///
    /// - Real ranges: `linear`/`auto` uniform over `min..=max`; `log` uniform in the logarithm;
    ///   `reverse_log` is `1 - exp(uniform over ln(1 - max) ..= ln(1 - min))` (SageMaker's
    ///   definition, denser near `max`). Written rounded to 6 significant digits in the shortest
    ///   form that reads back as that number (`0.000123457`, `0.1`).
    /// - Integer ranges: the same maps over `min - 0.5 ..= max + 0.5` (log scaling too), rounded to
    ///   the nearest integer and clamped, so every integer gets a cell and both ends are reached.
    /// - Choices: `k` equal cells, index `min(floor(u * k), k - 1)`, the choice written verbatim.
    ///
    /// Coordinates are clamped into [0, 1] (NaN reads as 0). A missing coordinate (a point shorter
    /// than [`Space::dims`]) reads as the centre, 0.5; extra coordinates are ignored.
    pub fn decode(&self, unit: &[f64]) -> Vec<Assignment> {
        self.params
            .iter()
            .enumerate()
            .map(|(i, (name, space))| {
                let u = unit.get(i).copied().unwrap_or(0.5);
                Assignment { name: name.clone(), text: decode_one(space, u) }
            })
            .collect()
    }

    /// The point whose decoded values are `values` (keyed by parameter name; other keys ignored),
    /// so that the observations of recorded trials can be fed back to the Bayesian model: the
    /// centre of a choice's cell, the exact position of an integer or of a (rounded) real.
    ///
    /// # Errors
    ///
    /// A message naming the parameter when its name is missing from `values` or its value is not
    /// in the space (not a number, outside the range, not one of the choices).
    pub fn encode(&self, values: &BTreeMap<String, String>) -> Result<Vec<f64>, String> {
        self.params
            .iter()
            .map(|(name, space)| {
                let text = values.get(name).ok_or_else(|| format!("{name}: missing"))?;
                encode_one(space, text.trim()).ok_or_else(|| format!("{name}: {text:?} is not in {space}"))
            })
            .collect()
    }

    /// The number of grid points when every parameter is a choice or an integer range
    /// (`max - min + 1` points), `None` if any parameter is a real range. Saturates at `u64::MAX`.
    pub fn grid_size(&self) -> Option<u64> {
        self.params.iter().try_fold(1u64, |size, (_, space)| match space {
            SearchSpace::Continuous { .. } => None,
            SearchSpace::Integer { min, max, .. } => Some(size.saturating_mul(integer_count(*min, *max))),
            SearchSpace::Categorical(choices) => Some(size.saturating_mul(choices.len().max(1) as u64)),
        })
    }
}

/// How many integers `min..=max` holds (at least 1, saturating).
pub(super) fn integer_count(min: i64, max: i64) -> u64 {
    (max.saturating_sub(min).max(0) as u64).saturating_add(1)
}

fn decode_one(space: &SearchSpace, u: f64) -> String {
    match space {
        SearchSpace::Continuous { min, max, scaling } => {
            float_text(Range::new(*min, *max, *scaling).value(u), *min, *max)
        }
        SearchSpace::Integer { min, max, scaling } => {
            Range::integer(*min, *max, *scaling).integer_value(u, *min, *max).to_string()
        }
        SearchSpace::Categorical(choices) => {
            let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, 1.0) };
            // An empty list never comes from the settings (they require two choices).
            let index = ((u * choices.len() as f64).floor() as usize).min(choices.len().saturating_sub(1));
            choices.get(index).cloned().unwrap_or_default()
        }
    }
}

fn encode_one(space: &SearchSpace, text: &str) -> Option<f64> {
    match space {
        SearchSpace::Continuous { min, max, scaling } => {
            let x: f64 = text.parse().ok()?;
            (*min..=*max).contains(&x).then(|| Range::new(*min, *max, *scaling).unit(x))
        }
        SearchSpace::Integer { min, max, scaling } => {
            let x: i64 = text.parse().ok()?;
            (*min..=*max).contains(&x).then(|| Range::integer(*min, *max, *scaling).unit(x as f64))
        }
        SearchSpace::Categorical(choices) => {
            // The text as written, else the same number spelled differently (`1e-4` for `0.0001`).
            let number = text.parse::<f64>().ok();
            let index = choices.iter().position(|c| c == text).or_else(|| {
                let number = number?;
                choices.iter().position(|c| c.parse::<f64>().ok() == Some(number))
            })?;
            Some((index as f64 + 0.5) / choices.len() as f64)
        }
    }
}
