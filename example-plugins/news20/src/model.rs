//! The `bow` network: a hashed bag of n-grams, fastText-style. Each id is embedded, the embeddings
//! of a document are averaged over its real (mask 1) positions, dropout is applied while
//! training, and one linear layer gives the logits.
//!
//! forward(`input_ids` int64 `[B, L]`, `attention_mask` int64 `[B, L]`) → logits `[B, num_labels]`.
//! Everything is tensor arithmetic on the inputs, so a TorchScript trace is valid for any batch
//! size and length: the only Rust-side branches look at the train flag and the number and rank of
//! the inputs, never at their values.

use crate::encode::PADDING_ID;
use crate::options::BowOptions;
use mlpipe_plugin_api::tch::nn::{Init, VarStore};
use mlpipe_plugin_api::tch::{self, Device, TchError, Tensor};
use mlpipe_plugin_api::{PluginError, VarStoreModel};

/// The `bow` model's forward function: `(inputs, train) -> logits`.
pub trait BowForward: Fn(&[Tensor], bool) -> Result<Tensor, TchError> + Send {}
impl<F: Fn(&[Tensor], bool) -> Result<Tensor, TchError> + Send> BowForward for F {}

/// Builds a freshly initialised `bow` model on `device` with variables `embedding.weight`
/// `[buckets, dim]` (row 0, padding, starts at zero and gets no gradient), `classifier.weight`
/// `[num_labels, dim]` and `classifier.bias` `[num_labels]`.
///
/// The classifier starts U(±1/√dim), as PyTorch's `nn.Linear` does. The embedding starts
/// U(±1/dim), as fastText's does, not N(0, 1) as `nn.Embedding`'s: with Adam at lr 1e-3, batch 64
/// and 3 epochs on 20news-bydate (a plain training loop, seed 42), N(0, 1) reached 0.48 test
/// accuracy and U(±1/dim) 0.72, because the large random start drowns what is learned.
///
/// # Errors
/// `num_labels` of 0, or a libtorch error (e.g. an unavailable device).
pub fn bow_model(
    options: &BowOptions,
    num_labels: usize,
    device: Device,
) -> Result<VarStoreModel<impl BowForward>, PluginError> {
    if num_labels == 0 {
        return Err(PluginError::new("bow model needs at least 1 label, got num_labels = 0"));
    }
    let num_labels =
        i64::try_from(num_labels).map_err(|_| PluginError::new(format!("num_labels = {num_labels} is too large")))?;
    let vs = VarStore::new(device);
    let root = vs.root();
    let spread = 1.0 / options.dim as f64;
    let embedding = root.sub("embedding").f_var(
        "weight",
        &[options.buckets, options.dim],
        Init::Uniform { lo: -spread, up: spread },
    )?;
    tch::no_grad(|| embedding.f_get(PADDING_ID)?.f_zero_().map(drop))?;
    let bound = 1.0 / (options.dim as f64).sqrt();
    let classifier = root.sub("classifier");
    let weight = classifier.f_uniform("weight", &[num_labels, options.dim], -bound, bound)?;
    let bias = classifier.f_uniform("bias", &[num_labels], -bound, bound)?;
    let dropout = options.dropout;

    let forward = move |inputs: &[Tensor], train: bool| -> Result<Tensor, TchError> {
        let [ids, mask] = inputs else {
            return Err(TchError::Shape(format!(
                "bow expects 2 inputs (input_ids, attention_mask), got {}",
                inputs.len()
            )));
        };
        if ids.dim() != 2 || ids.size() != mask.size() {
            return Err(TchError::Shape(format!(
                "bow expects input_ids and attention_mask of the same shape [batch, length], \
                 got {:?} and {:?}",
                ids.size(),
                mask.size()
            )));
        }
        let embedded = Tensor::f_embedding(&embedding, ids, PADDING_ID, false, false)?; // [B, L, D]
        let mask = mask.f_to_kind(embedded.kind())?.f_unsqueeze(-1)?; // [B, L, 1]
        let summed = embedded.f_mul(&mask)?.f_sum_dim_intlist(1, false, None)?; // [B, D]
        let count = mask.f_sum_dim_intlist(1, false, None)?.f_clamp_min(1.0)?; // [B, 1]
        let mut pooled = summed.f_div(&count)?;
        if train && dropout > 0.0 {
            pooled = pooled.f_dropout(dropout, true)?;
        }
        pooled.f_linear(&weight, Some(&bias))
    };
    Ok(VarStoreModel::new(vs, forward))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpipe_plugin_api::tch::{CModule, Kind};
    use mlpipe_plugin_api::Model;

    fn small() -> BowOptions {
        BowOptions { buckets: 50, dim: 8, ..BowOptions::default() }
    }

    /// A padded batch of 3 documents of lengths 4, 2 and 1.
    fn padded_batch() -> [Tensor; 2] {
        let ids = Tensor::from_slice2(&[[5_i64, 9, 13, 2], [7, 7, 0, 0], [49, 0, 0, 0]]);
        let mask = Tensor::from_slice2(&[[1_i64, 1, 1, 1], [1, 1, 0, 0], [1, 0, 0, 0]]);
        [ids, mask]
    }

    fn eval_model(num_labels: usize) -> VarStoreModel<impl BowForward> {
        let mut model = bow_model(&small(), num_labels, Device::Cpu).unwrap();
        model.set_train(false).unwrap();
        model
    }

    #[test]
    fn padded_batch_gives_one_row_of_logits_per_document() {
        let logits = eval_model(20).forward(&padded_batch()).unwrap();
        assert_eq!(logits.size(), [3, 20]);
        assert_eq!(logits.kind(), Kind::Float);
    }

    #[test]
    fn extra_padding_does_not_change_the_logits() {
        let model = eval_model(4);
        let [ids, mask] = padded_batch();
        let wider = [ids.pad([0, 3], "constant", 0.0), mask.pad([0, 3], "constant", 0.0)];
        let narrow = model.forward(&padded_batch()).unwrap();
        let wide = model.forward(&wider).unwrap();
        assert!(narrow.allclose(&wide, 1e-6, 1e-6, false));
    }

    #[test]
    fn fully_masked_document_gets_the_bias() {
        let model = eval_model(3);
        let inputs = [Tensor::from_slice2(&[[0_i64]]), Tensor::from_slice2(&[[0_i64]])];
        let logits = model.forward(&inputs).unwrap();
        let bias = model.var_store().variables()["classifier.bias"].shallow_clone();
        assert!(logits.get(0).allclose(&bias, 0.0, 0.0, false));
    }

    #[test]
    fn dropout_applies_only_in_training() {
        let mut model = bow_model(&BowOptions { dropout: 0.5, ..small() }, 4, Device::Cpu).unwrap();
        model.set_train(false).unwrap();
        let first = model.forward(&padded_batch()).unwrap();
        assert!(first.allclose(&model.forward(&padded_batch()).unwrap(), 0.0, 0.0, false));
        model.set_train(true).unwrap();
        tch::manual_seed(7);
        let trained = model.forward(&padded_batch()).unwrap();
        assert!(!first.allclose(&trained, 1e-6, 1e-6, false));
    }

    #[test]
    fn padding_row_starts_at_zero_and_parameters_are_named() {
        let model = eval_model(5);
        let named = model.named_parameters().unwrap();
        let shapes: Vec<(&str, Vec<i64>)> = named.iter().map(|(name, t)| (name.as_str(), t.size())).collect();
        assert_eq!(
            shapes,
            [("classifier.bias", vec![5]), ("classifier.weight", vec![5, 8]), ("embedding.weight", vec![50, 8])]
        );
        assert!(named.iter().all(|(_, t)| t.requires_grad()));
        let padding_row = named[2].1.get(PADDING_ID);
        assert_eq!(padding_row.abs().sum(Kind::Float).double_value(&[]), 0.0);
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let model = eval_model(2);
        let [ids, mask] = padded_batch();
        assert!(model.forward(&[ids.shallow_clone()]).is_err());
        assert!(model.forward(&[ids.get(0), mask.get(0)]).is_err());
        let out_of_range = Tensor::from_slice2(&[[50_i64]]);
        assert!(model.forward(&[out_of_range, Tensor::from_slice2(&[[1_i64]])]).is_err());
        assert!(bow_model(&small(), 0, Device::Cpu).is_err());
    }

    #[test]
    fn weights_round_trip_through_safetensors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("weights.safetensors");
        let saved = eval_model(6);
        saved.save_weights(&path).unwrap();
        let mut loaded = eval_model(6);
        let before = loaded.forward(&padded_batch()).unwrap();
        let expected = saved.forward(&padded_batch()).unwrap();
        assert!(!before.allclose(&expected, 1e-6, 1e-6, false), "fresh models differ");
        loaded.load_weights(&path).unwrap();
        for ((name_a, a), (name_b, b)) in
            saved.named_parameters().unwrap().iter().zip(loaded.named_parameters().unwrap().iter())
        {
            assert_eq!(name_a, name_b);
            assert!(a.equal(b), "{name_a} differs after loading");
        }
        assert!(loaded.forward(&padded_batch()).unwrap().equal(&expected));
    }

    #[test]
    fn trace_generalises_to_other_batch_sizes_and_lengths() {
        let mut model = bow_model(&small(), 3, Device::Cpu).unwrap();
        model.set_train(false).unwrap();
        // The host exports with frozen weights: a trace cannot embed tensors that require grad.
        // Shallow clones share the variables' autograd state, so this freezes the model itself.
        for (_, tensor) in model.var_store().variables() {
            let _ = tensor.set_requires_grad(false);
        }
        let traced = CModule::create_by_tracing("bow", "forward", &padded_batch(), &mut |inputs| {
            vec![model.forward(inputs).unwrap()]
        })
        .unwrap();
        let other = [
            Tensor::from_slice2(&[[3_i64, 4, 5, 6, 7, 8], [1, 2, 0, 0, 0, 0]]),
            Tensor::from_slice2(&[[1_i64, 1, 1, 1, 1, 1], [1, 1, 0, 0, 0, 0]]),
        ];
        let traced_logits = traced.forward_ts(&other).unwrap();
        assert!(traced_logits.allclose(&model.forward(&other).unwrap(), 1e-6, 1e-6, false));
    }
}
