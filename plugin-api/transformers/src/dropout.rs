//! Dropout whose mask costs 16 random bits per element instead of one Bernoulli draw.
//!
//! libtorch's `dropout` draws one Bernoulli variate per element (`bernoulli_`); in a profile of
//! a MiniLM bf16 training step on the benchmark's 2-core CPU that was the largest single item
//! (27 % of the step, most of it the `[batch, heads, length, length]` attention masks).
//! [`dropout`] fills a quarter as many int64 with 64 random bits each (`random_` over the full
//! 64-bit range), reads them as int16 and keeps an element when its int16 is at least a
//! threshold: the same keep probability to within 1/65,536, and for a `[32, 12, 230, 230]` mask
//! 18 ms of drawing instead of 161 ms (measured, 2 threads). The draws come from
//! libtorch's default generator, so `tch::manual_seed` makes the masks reproducible, as the
//! trainer's exact resume needs.

use tch::{Kind, TchError, Tensor};

/// The resolution of the drop probability: masks compare 16-bit draws.
const LEVELS: f64 = 65_536.0;

/// Zeroes each element of `x` with probability `p` and scales the rest by `1 / (1 - p)`, as
/// `torch.nn.functional.dropout` does; `x` itself (a shallow copy) when `train` is false or `p` is
/// 0, zeros when `p` is 1.
///
/// `p` is rounded to the nearest multiple of 1/65,536 (0.1 becomes 0.100006), and the scale
/// uses that rounded probability, so the expectation of every element stays exactly `x`.
///
/// # Errors
/// `p` outside 0..=1, or a libtorch error.
pub fn dropout(x: &Tensor, p: f64, train: bool) -> Result<Tensor, TchError> {
    if !(0.0..=1.0).contains(&p) {
        return Err(TchError::Kind(format!("dropout probability must be in 0..=1, got {p}")));
    }
    let dropped = (p * LEVELS).round();
    if !train || dropped == 0.0 {
        return Ok(x.shallow_clone());
    }
    if dropped == LEVELS {
        return x.f_zeros_like();
    }
    let keep = keep_mask(x, dropped)?;
    // One pass from the bool mask to the scaled mask in x's kind (0-dim operands keep the kind).
    let options = (x.kind(), x.device());
    let scale = Tensor::f_full([], LEVELS / (LEVELS - dropped), options)?;
    x.f_mul(&scale.f_where_self(&keep, &Tensor::f_zeros([], options)?)?)
}

/// A bool tensor of `x`'s shape, true with probability `1 - dropped / 65,536` per element.
fn keep_mask(x: &Tensor, dropped: f64) -> Result<Tensor, TchError> {
    let elements = x.numel() as i64;
    let mut words = Tensor::f_empty([(elements + 3) / 4], (Kind::Int64, x.device()))?;
    // `from` = i64::MIN with no `to` draws all 64 bits (libtorch's full-range case).
    let _ = words.f_random_from_(i64::MIN, None)?;
    let halves = words.f_view_dtype(Kind::Int16)?.f_narrow(0, 0, elements)?.f_reshape(x.size())?;
    // int16 draws are uniform on -32768..=32767; the lowest `dropped` values drop.
    halves.f_ge(-32_768 + dropped as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn ones(n: i64) -> Tensor {
        Tensor::ones([n], (Kind::Float, Device::Cpu))
    }

    fn zero_fraction(t: &Tensor) -> f64 {
        t.eq(0.0).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
    }

    #[test]
    fn drops_the_rounded_fraction_and_keeps_the_expectation() {
        tch::manual_seed(7);
        let n = 2_000_000;
        let out = dropout(&ones(n), 0.1, true).unwrap();
        // The binomial's standard deviation at n = 2e6, p = 0.1 is 0.0002: 0.001 is five of them.
        let expected = 6554.0 / 65_536.0;
        assert!((zero_fraction(&out) - expected).abs() < 1e-3, "{} vs {expected}", zero_fraction(&out));
        let kept = out.masked_select(&out.ne(0.0));
        let scale = 65_536.0 / (65_536.0 - 6554.0);
        assert!((kept.max().double_value(&[]) - scale).abs() < 1e-6);
        assert!((kept.min().double_value(&[]) - scale).abs() < 1e-6);
        assert!((out.mean(Kind::Double).double_value(&[]) - 1.0).abs() < 2e-3);
    }

    #[test]
    fn other_shapes_kinds_and_odd_sizes_work() {
        tch::manual_seed(1);
        let x = Tensor::ones([3, 5, 7], (Kind::BFloat16, Device::Cpu));
        let out = dropout(&x, 0.5, true).unwrap();
        assert_eq!((out.size(), out.kind()), (vec![3, 5, 7], Kind::BFloat16));
        let fraction = zero_fraction(&out);
        assert!(fraction > 0.2 && fraction < 0.8, "{fraction}");
    }

    #[test]
    fn the_same_seed_gives_the_same_mask() {
        tch::manual_seed(3);
        let first = dropout(&ones(1000), 0.3, true).unwrap();
        tch::manual_seed(3);
        let second = dropout(&ones(1000), 0.3, true).unwrap();
        assert!(first.equal(&second));
        let third = dropout(&ones(1000), 0.3, true).unwrap();
        assert!(!first.equal(&third), "the generator must advance");
    }

    #[test]
    fn identity_in_eval_or_at_zero_zeros_at_one_and_errors_outside() {
        let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0]);
        assert!(dropout(&x, 0.5, false).unwrap().equal(&x));
        assert!(dropout(&x, 0.0, true).unwrap().equal(&x));
        assert!(dropout(&x, 1.0, true).unwrap().equal(&x.zeros_like()));
        let err = dropout(&x, 1.5, true).unwrap_err().to_string();
        assert!(err.contains("dropout probability must be in 0..=1, got 1.5"), "{err}");
    }
}
