//! How a decoded real is written into the training settings: six significant digits, in the
//! shortest decimal form that reads back as the same number, never outside its range.

/// `x` rounded to 6 significant digits, clamped into `min..=max`, written as the shortest decimal
/// that parses back to the same `f64` (`0.000123457`, `0.1`, `3`; never an exponent).
///
/// The clamp matters at the ends: rounding `0.99999999` up to `1` would leave a `reverse_log`
/// range that the settings require to stay below 1.
pub(super) fn float_text(x: f64, min: f64, max: f64) -> String {
    // `{:.5e}` is the correctly rounded 6-significant-digit value; it always parses (it is either
    // a number, `inf` or `NaN`), and the fallback to `x` is only there to avoid an unwrap.
    let rounded = format!("{x:.5e}").parse::<f64>().unwrap_or(x);
    let value = if rounded < min {
        min
    } else if rounded > max {
        max
    } else {
        rounded
    };
    // Display of f64 is the shortest round-trip representation, without exponent.
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_six_significant_digits() {
        assert_eq!(float_text(0.000123456789, 0.0, 1.0), "0.000123457");
        assert_eq!(float_text(0.1, 0.0, 1.0), "0.1");
        assert_eq!(float_text(0.30000000000000004, 0.0, 1.0), "0.3");
        assert_eq!(float_text(12345.678, 0.0, 1e6), "12345.7");
    }

    #[test]
    fn whole_numbers_and_tiny_values_have_no_exponent() {
        assert_eq!(float_text(3.0, 0.0, 5.0), "3");
        assert_eq!(float_text(1.23456789e-7, 0.0, 1.0), "0.000000123457");
    }

    #[test]
    fn rounding_never_leaves_the_range() {
        assert_eq!(float_text(0.99999999, 0.0, 0.99999999), "0.99999999");
        assert_eq!(float_text(1.0000001e-5, 1.0000001e-5, 1.0), "0.000010000001");
    }
}
