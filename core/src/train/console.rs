//! How a model's training shows on the console. On a terminal (stdout and stderr both TTYs, not
//! inside a SageMaker job): one progress bar per model — epoch, step, loss, samples/s, time left —
//! with each validation result printed above it as it comes. Anywhere else the `[metric]` lines
//! of [`super::metric_log`] go to stdout exactly as before, since SageMaker's metric definitions
//! and log readers parse them. The log level the runner set decides the rest: `--quiet` (warnings
//! only) hides the bar on a terminal, `--verbose` (debug) adds the `[metric]` lines above it.

use super::metric_log::MetricPoint;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::Instant;

/// Where training output goes.
pub enum Console {
    /// `[metric]` lines on stdout (off a terminal, or inside SageMaker).
    Lines,
    /// A terminal under `--quiet`: nothing per step.
    Silent,
    /// A terminal: progress bars; `verbose` also prints the metric lines.
    Terminal {
        /// Also print the metric lines.
        verbose: bool,
        /// The progress bar, once training began.
        bar: Option<TrainBar>,
    },
}

impl Console {
    /// The console for this process, from its streams, environment and log level.
    pub fn detect() -> Console {
        let terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
        let sagemaker = ["SM_CURRENT_HOST", "TRAINING_JOB_NAME"].iter().any(|name| std::env::var_os(name).is_some());
        if !terminal || sagemaker {
            Console::Lines
        } else if !tracing::enabled!(tracing::Level::INFO) {
            Console::Silent
        } else {
            Console::Terminal { verbose: tracing::enabled!(tracing::Level::DEBUG), bar: None }
        }
    }

    /// Training of `model` starts (or resumes at `start_step`) for `total_steps` optimiser steps
    /// over `epochs` epochs of `samples_per_step` records each.
    pub fn begin(&mut self, model: &str, total_steps: u64, epochs: u64, samples_per_step: u64, start_step: u64) {
        if let Console::Terminal { bar, .. } = self {
            *bar = Some(TrainBar::new(model, total_steps, epochs, samples_per_step, start_step));
        }
    }

    /// Training of the model ended: its bar stays on screen in its final state.
    pub fn end(&mut self) {
        if let Console::Terminal { bar, .. } = self {
            bar.take();
        }
    }

    /// Shows one metric point.
    pub fn metric(&mut self, point: &MetricPoint) {
        match self {
            Console::Lines => println!("{}", point.line()),
            Console::Silent => {}
            Console::Terminal { verbose, bar } => match bar {
                Some(bar) => {
                    if *verbose {
                        bar.bar.println(point.line());
                    }
                    bar.metric(point);
                }
                None => println!("{}", point.line()),
            },
        }
    }
}

/// One model's progress bar.
pub struct TrainBar {
    bar: ProgressBar,
    model: String,
    epochs: u64,
    samples_per_step: u64,
    start: (Instant, u64),
    loss: Option<f64>,
    /// This evaluation's validation values, printed when its last one arrives.
    validation: Vec<(String, f64)>,
}

impl TrainBar {
    fn new(model: &str, total_steps: u64, epochs: u64, samples_per_step: u64, start_step: u64) -> TrainBar {
        let bar = ProgressBar::with_draw_target(Some(total_steps), ProgressDrawTarget::stderr_with_hz(4));
        let style =
            ProgressStyle::with_template("{prefix:.bold} [{bar:32.cyan/blue}] step {pos}/{len} {msg} · {eta} left")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("━╸ ");
        bar.set_style(style);
        let this = TrainBar {
            bar,
            model: model.to_string(),
            epochs,
            samples_per_step,
            start: (Instant::now(), start_step),
            loss: None,
            validation: Vec::new(),
        };
        this.bar.set_prefix(this.prefix(1));
        this.bar.set_position(start_step);
        this.bar.reset_eta();
        crate::progress::set_active_bar(Some(this.bar.clone()));
        this
    }

    /// `model epoch e/E`; `epoch` counts from 1, as in the metric lines.
    fn prefix(&self, epoch: u64) -> String {
        format!("{} epoch {}/{}", self.model, epoch.clamp(1, self.epochs.max(1)), self.epochs)
    }

    fn metric(&mut self, point: &MetricPoint) {
        match point.name.as_str() {
            "train:loss" => {
                self.loss = Some(point.value);
                self.bar.set_prefix(self.prefix(point.epoch));
                self.bar.set_position(point.step);
                let (since, first) = self.start;
                let rate = (point.step.saturating_sub(first) * self.samples_per_step) as f64
                    / since.elapsed().as_secs_f64().max(1e-9);
                self.bar.set_message(format!("loss {:.4} · {rate:.0} samples/s", point.value));
            }
            name if name.starts_with("validation:") => {
                let short = name
                    .trim_start_matches("validation:")
                    .replace("macro_f1", "macro-F1")
                    .replace("weighted_f1", "weighted-F1");
                self.validation.push((short, point.value));
                if name == "validation:weighted_f1" {
                    let values: Vec<String> = self.validation.drain(..).map(|(n, v)| format!("{n} {v:.4}")).collect();
                    self.bar.println(format!(
                        "{} epoch {} step {}: validation {}",
                        self.model,
                        point.epoch,
                        point.step,
                        values.join(" · ")
                    ));
                }
            }
            _ => {}
        }
    }
}

impl Drop for TrainBar {
    /// Leaves the model's final bar on screen.
    fn drop(&mut self) {
        let loss = self.loss.map_or(String::new(), |loss| format!(" · last loss {loss:.4}"));
        self.bar.set_style(
            ProgressStyle::with_template("{prefix:.bold} [{bar:32.green}] step {pos}/{len}{msg} · {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("━╸ "),
        );
        self.bar.finish_with_message(loss);
        crate::progress::set_active_bar(None);
    }
}
