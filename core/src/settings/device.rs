//! `training.device`: where tensors live, `auto`, `cpu`, `cuda` or `cuda:N`.

use std::fmt;

use super::values::Expect;

/// The compute device for training and prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Device {
    /// The first CUDA GPU when one is usable, else the CPU (the default).
    #[default]
    Auto,
    /// The CPU.
    Cpu,
    /// A CUDA GPU: `None` for `cuda` (the default GPU), `Some(n)` for `cuda:n`.
    Cuda(Option<usize>),
}

impl Device {
    pub(crate) fn parse(text: &str) -> Expect<Self> {
        match text {
            "auto" => Ok(Device::Auto),
            "cpu" => Ok(Device::Cpu),
            "cuda" => Ok(Device::Cuda(None)),
            _ => text
                .strip_prefix("cuda:")
                .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse().ok())
                .map(|n| Device::Cuda(Some(n)))
                .ok_or_else(|| "auto, cpu, cuda or cuda:N".to_string()),
        }
    }
}

impl fmt::Display for Device {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Device::Auto => f.write_str("auto"),
            Device::Cpu => f.write_str("cpu"),
            Device::Cuda(None) => f.write_str("cuda"),
            Device::Cuda(Some(index)) => write!(f, "cuda:{index}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_round_trips() {
        for text in ["auto", "cpu", "cuda", "cuda:0", "cuda:3"] {
            assert_eq!(Device::parse(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn malformed_cuda_index_is_rejected() {
        for bad in ["gpu", "cuda:", "cuda:x", "cuda:-1", "cuda:+1", "CPU"] {
            assert!(Device::parse(bad).is_err(), "{bad}");
        }
    }
}
