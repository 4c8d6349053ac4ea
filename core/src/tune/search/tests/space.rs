//! Decoding points to settings values and encoding them back, for every kind of parameter and
//! scaling, and the distribution of random points through each scaling.

use std::collections::BTreeMap;

use crate::settings::TuningStrategy;
use crate::settings::{Scaling, SearchSpace};
use crate::tune::search::{propose, Space};

fn real(min: f64, max: f64, scaling: Scaling) -> SearchSpace {
    SearchSpace::Continuous { min, max, scaling }
}

fn integer(min: i64, max: i64, scaling: Scaling) -> SearchSpace {
    SearchSpace::Integer { min, max, scaling }
}

fn choices(values: &[&str]) -> SearchSpace {
    SearchSpace::Categorical(values.iter().map(|v| v.to_string()).collect())
}

fn one(space: SearchSpace) -> Space {
    Space::new(vec![("p".into(), space)])
}

/// The decoded text of the one parameter at `u`.
fn text(space: &Space, u: f64) -> String {
    space.decode(&[u])[0].text.clone()
}

fn values(space: &Space, unit: &[f64]) -> BTreeMap<String, String> {
    space.decode(unit).into_iter().map(|a| (a.name, a.text)).collect()
}

/// `n` values of the one parameter of `space` under random search.
fn random_values(space: &Space, n: u64) -> Vec<String> {
    (0..n).map(|i| text(space, propose(TuningStrategy::Random, space, 17, i, &[])[0])).collect()
}

const POSITIONS: [f64; 9] = [0.0, 0.01, 0.2, 0.333, 0.5, 0.61, 0.8, 0.999, 1.0];

#[test]
fn real_values_round_trip_for_every_scaling() {
    for scaling in Scaling::ALL {
        let space = one(real(0.001, 0.9, *scaling));
        for u in POSITIONS {
            let decoded = values(&space, &[u]);
            let encoded = space.encode(&decoded).unwrap();
            // Six significant digits move the point by at most about 1e-5 of the range.
            assert!((encoded[0] - u).abs() < 1e-4, "{scaling} at {u}: {encoded:?}");
            assert_eq!(values(&space, &encoded), decoded, "{scaling} at {u}");
        }
    }
}

#[test]
fn integer_values_round_trip_for_every_scaling() {
    for scaling in [Scaling::Auto, Scaling::Linear, Scaling::Log] {
        let space = one(integer(1, 64, scaling));
        for u in POSITIONS {
            let decoded = values(&space, &[u]);
            assert_eq!(values(&space, &space.encode(&decoded).unwrap()), decoded, "{scaling} at {u}");
        }
        for v in 1..=64 {
            let given = BTreeMap::from([("p".to_string(), v.to_string())]);
            assert_eq!(text(&space, space.encode(&given).unwrap()[0]), v.to_string(), "{scaling} {v}");
        }
    }
}

#[test]
fn choices_round_trip_through_their_cell_centres() {
    let space = one(choices(&["8", "16", "32"]));
    for (i, choice) in ["8", "16", "32"].iter().enumerate() {
        let given = BTreeMap::from([("p".to_string(), choice.to_string())]);
        let unit = space.encode(&given).unwrap();
        assert_eq!(unit, vec![(i as f64 + 0.5) / 3.0]);
        assert_eq!(text(&space, unit[0]), *choice);
    }
}

#[test]
fn several_parameters_decode_in_order() {
    let space = Space::new(vec![
        ("learning_rate".into(), real(1e-5, 1e-1, Scaling::Log)),
        ("epochs".into(), integer(1, 3, Scaling::Linear)),
        ("batch_size".into(), choices(&["16", "32"])),
    ]);
    assert_eq!(space.dims(), 3);
    assert_eq!(space.names(), ["learning_rate", "epochs", "batch_size"]);
    let decoded: Vec<(String, String)> = space.decode(&[0.5, 1.0, 0.0]).into_iter().map(|a| (a.name, a.text)).collect();
    let expected = [("learning_rate", "0.001"), ("epochs", "3"), ("batch_size", "16")];
    assert_eq!(decoded, expected.map(|(n, t)| (n.to_string(), t.to_string())));
}

#[test]
fn reals_are_written_with_six_significant_digits() {
    let space = one(real(1e-5, 1e-3, Scaling::Log));
    // 1e-5 * 100^0.35 = 0.0000501187...
    assert_eq!(text(&space, 0.35), "0.0000501187");
    assert_eq!(text(&one(real(0.0, 1.0, Scaling::Linear)), 0.1), "0.1");
}

#[test]
fn log_scaling_puts_half_the_mass_below_the_geometric_mean() {
    let space = one(real(1e-5, 1e-1, Scaling::Log));
    let draws = random_values(&space, 4000);
    let below = draws.iter().filter(|t| t.parse::<f64>().unwrap() < 1e-3).count() as f64 / draws.len() as f64;
    assert!((0.45..0.55).contains(&below), "{below}");
    // Linear scaling over the same range would put only 1% there.
    let linear = random_values(&one(real(1e-5, 1e-1, Scaling::Linear)), 4000);
    let below = linear.iter().filter(|t| t.parse::<f64>().unwrap() < 1e-3).count() as f64 / linear.len() as f64;
    assert!(below < 0.03, "{below}");
}

#[test]
fn integers_hit_both_ends_evenly() {
    let draws = random_values(&one(integer(1, 4, Scaling::Linear)), 4000);
    for v in ["1", "2", "3", "4"] {
        let share = draws.iter().filter(|t| *t == v).count() as f64 / draws.len() as f64;
        assert!((0.22..0.28).contains(&share), "{v}: {share}");
    }
    let log = random_values(&one(integer(1, 1000, Scaling::Log)), 4000);
    assert!(log.iter().any(|t| t == "1") && log.iter().any(|t| t == "1000"));
}

#[test]
fn choices_are_all_drawn() {
    let draws = random_values(&one(choices(&["a", "b", "c", "d", "e"])), 500);
    for choice in ["a", "b", "c", "d", "e"] {
        assert!(draws.iter().any(|t| t == choice), "{choice}");
    }
    assert_eq!(text(&one(choices(&["a", "b"])), 1.0), "b");
}

#[test]
fn reverse_log_is_denser_near_the_maximum() {
    let draws: Vec<f64> =
        random_values(&one(real(0.0, 0.99, Scaling::ReverseLog)), 4000).iter().map(|t| t.parse().unwrap()).collect();
    let top = draws.iter().filter(|x| **x > 0.891).count();
    let bottom = draws.iter().filter(|x| **x < 0.099).count();
    // Theory: P(x > 0.891) = ln(0.109/0.01)/ln(100) = 0.52, P(x < 0.099) = 0.023.
    assert!(top > 10 * bottom, "top {top} bottom {bottom}");
}

#[test]
fn encode_names_the_parameter_in_errors() {
    let space = Space::new(vec![
        ("learning_rate".into(), real(1e-5, 1e-3, Scaling::Log)),
        ("batch_size".into(), choices(&["16", "32"])),
    ]);
    let with = |lr: &str, bs: &str| {
        BTreeMap::from([("learning_rate".to_string(), lr.to_string()), ("batch_size".to_string(), bs.to_string())])
    };
    assert_eq!(space.encode(&with("0.01", "16")), Err("learning_rate: \"0.01\" is not in 1e-5 -> 0.001 log".into()));
    assert_eq!(space.encode(&with("fast", "16")), Err("learning_rate: \"fast\" is not in 1e-5 -> 0.001 log".into()));
    assert_eq!(space.encode(&with("0.0001", "64")), Err("batch_size: \"64\" is not in 16, 32".into()));
    let missing = BTreeMap::from([("learning_rate".to_string(), "0.0001".to_string())]);
    assert_eq!(space.encode(&missing), Err("batch_size: missing".into()));
    // The same number spelled differently is the same choice.
    assert!(space.encode(&with("1e-4", "32.0")).is_ok());
}

#[test]
fn grid_size_counts_choices_and_integers_only() {
    let grid = Space::new(vec![("a".into(), choices(&["x", "y", "z"])), ("b".into(), integer(2, 6, Scaling::Log))]);
    assert_eq!(grid.grid_size(), Some(15));
    let mixed = Space::new(vec![("a".into(), choices(&["x", "y"])), ("b".into(), real(0.0, 1.0, Scaling::Auto))]);
    assert_eq!(mixed.grid_size(), None);
    assert_eq!(Space::new(vec![]).grid_size(), Some(1));
}
