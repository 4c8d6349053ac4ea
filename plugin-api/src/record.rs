//! The data a plugin hands to the host: labelled records out of `reconcile`, and the named model
//! inputs (features) out of `prepare`.

use std::collections::BTreeMap;

/// Which split a record belongs to. Records without one form the training pool, from which the
/// host carves validation (and, if the plugin gives no test records, test) splits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Split {
    /// Trained on.
    Train,
    /// Picks the best checkpoint (and the tuning objective).
    Validation,
    /// Held out for the final report.
    Test,
}

impl Split {
    /// All splits, in pipeline order.
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];

    /// The split's name as written in files: `train`, `validation`, `test`.
    pub fn as_str(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }

    /// Parses a name written by [`Split::as_str`].
    pub fn parse(name: &str) -> Option<Split> {
        Split::ALL.into_iter().find(|split| split.as_str() == name)
    }
}

/// One labelled example. `id` must be unique within the experiment; `label` must be one of
/// `Experiment::labels`; `fields` hold the raw inputs (text) that `prepare` encodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Unique within the experiment; names the record in every error message.
    pub id: String,
    /// One of `Experiment::labels`.
    pub label: String,
    /// The split the data puts the record in, if it has one; `None` lets the host choose.
    pub split: Option<Split>,
    /// The raw inputs by name (e.g. `text`, `subject`), which `prepare` encodes.
    pub fields: BTreeMap<String, String>,
}

impl Record {
    /// A record with no fields and no split.
    pub fn new(id: impl Into<String>, label: impl Into<String>) -> Self {
        Self { id: id.into(), label: label.into(), split: None, fields: BTreeMap::new() }
    }

    /// Adds (or replaces) a text field.
    #[must_use]
    pub fn with_field(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.fields.insert(name.into(), value.into());
        self
    }

    /// Puts the record in a split.
    #[must_use]
    pub fn with_split(mut self, split: Split) -> Self {
        self.split = Some(split);
        self
    }

    /// The text field `name`, if present.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

/// The values of one model input for one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Token ids, masks, offsets: stored as `list<int64>`.
    Int(Vec<i64>),
    /// Dense features: stored as `list<float>`.
    Float(Vec<f32>),
}

impl Values {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Values::Int(values) => values.len(),
            Values::Float(values) => values.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The named model inputs of one record, e.g. `input_ids` and `attention_mask`, in the order
/// they were added.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// `(input name, values)` pairs, in the order they were added.
    pub entries: Vec<(String, Values)>,
}

impl Features {
    /// No inputs yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an integer input.
    #[must_use]
    pub fn int(mut self, name: impl Into<String>, values: Vec<i64>) -> Self {
        self.entries.push((name.into(), Values::Int(values)));
        self
    }

    /// Adds a float input.
    #[must_use]
    pub fn float(mut self, name: impl Into<String>, values: Vec<f32>) -> Self {
        self.entries.push((name.into(), Values::Float(values)));
        self
    }

    /// The input `name`, if present.
    pub fn get(&self, name: &str) -> Option<&Values> {
        self.entries.iter().find(|(key, _)| key == name).map(|(_, values)| values)
    }
}
