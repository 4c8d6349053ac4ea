//! Coalescing many tensors into few collectives, as DDP's reducer does: tensors of one dtype and
//! device are packed, in the order given, into flat buckets of about [`BUCKET_BYTES`]; each bucket
//! is one collective, and the results are copied back into the original tensors. One collective
//! per bucket instead of per tensor is what makes all-reducing hundreds of parameters cheap.
//!
//! The plan depends only on the tensors' dtypes, devices and sizes, so every rank passing the
//! same parameter list builds the same buckets.

use tch::{Device, Kind, Tensor};

/// Bucket size in bytes (DDP's default `bucket_cap_mb` is 25).
pub(crate) const BUCKET_BYTES: usize = 25 * 1024 * 1024;

/// What the plan needs to know about a tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spec {
    pub kind: Kind,
    pub device: Device,
    pub bytes: usize,
}

impl Spec {
    pub(crate) fn of(tensor: &Tensor) -> Spec {
        let kind = tensor.kind();
        Spec { kind, device: tensor.device(), bytes: tensor.numel() * kind.elt_size_in_bytes() }
    }
}

/// Groups tensor indices into buckets: same dtype and device, in input order, each bucket closed
/// once adding the next tensor would pass `cap` bytes (a tensor larger than `cap` gets a bucket of
/// its own). Empty tensors have nothing to communicate and are left out.
pub(crate) fn plan(specs: &[Spec], cap: usize) -> Vec<Vec<usize>> {
    // Open bucket per (dtype, device): its index in `buckets` and its size so far.
    let mut open: Vec<((Kind, Device), usize, usize)> = Vec::new();
    let mut buckets: Vec<Vec<usize>> = Vec::new();
    for (index, spec) in specs.iter().enumerate().filter(|(_, spec)| spec.bytes > 0) {
        let key = (spec.kind, spec.device);
        match open.iter_mut().find(|(k, _, _)| *k == key) {
            Some((_, bucket, size)) if *size + spec.bytes <= cap => {
                buckets[*bucket].push(index);
                *size += spec.bytes;
            }
            Some(slot) => {
                *slot = (key, buckets.len(), spec.bytes);
                buckets.push(vec![index]);
            }
            None => {
                open.push((key, buckets.len(), spec.bytes));
                buckets.push(vec![index]);
            }
        }
    }
    buckets
}

/// The flat tensor a bucket communicates: the tensor itself when the bucket holds one (it is
/// contiguous, so the collective works in place), else a new 1-D concatenation.
pub(crate) fn flatten(members: &[&Tensor]) -> Result<Tensor, tch::TchError> {
    match members {
        [single] => Ok(single.shallow_clone()),
        _ => Tensor::f_flatten_dense_tensors(members),
    }
}

/// Copies a flat bucket's values back into its members (nothing to do for a single tensor).
pub(crate) fn unflatten_into(flat: &Tensor, members: &[&Tensor]) -> Result<(), tch::TchError> {
    if members.len() == 1 {
        return Ok(());
    }
    for (member, values) in members.iter().zip(Tensor::f_unflatten_dense_tensors(flat, members)?) {
        // A shallow clone shares storage: the copy lands in the caller's tensor.
        member.shallow_clone().f_copy_(&values)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: Kind, bytes: usize) -> Spec {
        Spec { kind, device: Device::Cpu, bytes }
    }

    #[test]
    fn tensors_fill_buckets_in_order_up_to_the_cap() {
        let specs = [spec(Kind::Float, 40), spec(Kind::Float, 40), spec(Kind::Float, 40), spec(Kind::Float, 100)];
        assert_eq!(plan(&specs, 100), vec![vec![0, 1], vec![2], vec![3]]);
    }

    #[test]
    fn dtypes_never_share_a_bucket() {
        let specs = [spec(Kind::Float, 8), spec(Kind::Double, 8), spec(Kind::Float, 8), spec(Kind::Int64, 8)];
        assert_eq!(plan(&specs, 100), vec![vec![0, 2], vec![1], vec![3]]);
    }

    #[test]
    fn oversized_and_empty_tensors() {
        let specs = [spec(Kind::Float, 0), spec(Kind::Float, 500), spec(Kind::Float, 10)];
        assert_eq!(plan(&specs, 100), vec![vec![1], vec![2]]);
    }

    #[test]
    fn flatten_and_unflatten_round_trip_into_the_originals() {
        let a = Tensor::from_slice(&[1f32, 2., 3., 4.]).view([2, 2]);
        let b = Tensor::from_slice(&[5f32]).view([1]);
        let flat = flatten(&[&a, &b]).unwrap();
        assert_eq!(Vec::<f32>::try_from(&flat).unwrap(), [1., 2., 3., 4., 5.]);
        let doubled = &flat * 2;
        unflatten_into(&doubled, &[&a, &b]).unwrap();
        assert_eq!(Vec::<f32>::try_from(a.view([-1])).unwrap(), [2., 4., 6., 8.]);
        assert_eq!(Vec::<f32>::try_from(&b).unwrap(), [10.]);
    }
}
