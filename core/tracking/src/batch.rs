//! MLflow's `runs/log-batch` limits, and the split of any amount of metrics, params and tags into
//! requests within them. The numbers are MLflow's (`mlflow/utils/validation.py`): at most 1000
//! metrics, 100 params and 100 tags, 1000 entities in all, per request; param values of at most
//! 6000 characters.

use std::borrow::Cow;

use crate::data::Metric;

/// Metrics per `runs/log-batch` request.
pub const MAX_METRICS_PER_BATCH: usize = 1000;
/// Params per request.
pub const MAX_PARAMS_PER_BATCH: usize = 100;
/// Tags per request.
pub const MAX_TAGS_PER_BATCH: usize = 100;
/// Metrics, params and tags together per request.
pub const MAX_ENTITIES_PER_BATCH: usize = 1000;
/// The longest param value MLflow stores, in characters (Python's `len`, i.e. code points).
pub const MAX_PARAM_VALUE_CHARS: usize = 6000;

/// One request's share of a log-batch.
#[derive(Debug, PartialEq)]
pub(crate) struct Chunk<'a> {
    pub metrics: &'a [Metric],
    pub params: &'a [(String, String)],
    pub tags: &'a [(String, String)],
}

/// Splits the lists into as few requests as the limits allow, in order: params and tags go first
/// (a run's params are then in place before its first metrics), metrics fill what room is left.
/// Nothing to send gives no chunk.
pub(crate) fn chunks<'a>(
    metrics: &'a [Metric],
    params: &'a [(String, String)],
    tags: &'a [(String, String)],
) -> Vec<Chunk<'a>> {
    let (mut m, mut p, mut t) = (metrics, params, tags);
    let mut out = Vec::new();
    while !(m.is_empty() && p.is_empty() && t.is_empty()) {
        let (np, nt) = (p.len().min(MAX_PARAMS_PER_BATCH), t.len().min(MAX_TAGS_PER_BATCH));
        let nm = m.len().min(MAX_METRICS_PER_BATCH).min(MAX_ENTITIES_PER_BATCH - np - nt);
        out.push(Chunk { metrics: &m[..nm], params: &p[..np], tags: &t[..nt] });
        (m, p, t) = (&m[nm..], &p[np..], &t[nt..]);
    }
    out
}

/// `value` cut to [`MAX_PARAM_VALUE_CHARS`] characters, which MLflow would otherwise refuse.
pub(crate) fn param_value(value: &str) -> Cow<'_, str> {
    match value.char_indices().nth(MAX_PARAM_VALUE_CHARS) {
        Some((cut, _)) => Cow::Owned(value[..cut].to_string()),
        None => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(n: usize) -> Vec<Metric> {
        (0..n).map(|i| Metric { key: "k".into(), value: i as f64, timestamp_ms: 0, step: i as u64 }).collect()
    }

    fn pairs(n: usize) -> Vec<(String, String)> {
        (0..n).map(|i| (format!("p{i}"), i.to_string())).collect()
    }

    #[test]
    fn nothing_to_send_gives_no_request() {
        assert!(chunks(&[], &[], &[]).is_empty());
    }

    #[test]
    fn metrics_split_at_one_thousand() {
        let m = metrics(2500);
        let sizes: Vec<_> = chunks(&m, &[], &[]).iter().map(|c| c.metrics.len()).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
    }

    #[test]
    fn params_and_tags_go_first_and_metrics_fill_the_rest() {
        let (m, p, t) = (metrics(1500), pairs(150), pairs(30));
        let c = chunks(&m, &p, &t);
        let sizes: Vec<_> = c.iter().map(|c| (c.metrics.len(), c.params.len(), c.tags.len())).collect();
        assert_eq!(sizes, [(870, 100, 30), (630, 50, 0)]);
        assert!(c.iter().all(|c| c.metrics.len() + c.params.len() + c.tags.len() <= MAX_ENTITIES_PER_BATCH));
        assert_eq!(c[1].metrics[0].step, 870);
    }

    #[test]
    fn long_param_values_are_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_PARAM_VALUE_CHARS + 5);
        assert_eq!(param_value(&long).chars().count(), MAX_PARAM_VALUE_CHARS);
        assert!(matches!(param_value("short"), Cow::Borrowed("short")));
    }
}
