//! A structural check of metric regexes. SageMaker only learns that a `MetricDefinitions` regex is
//! broken when the job runs (the metric then silently stays empty), so mlpipe checks before
//! submitting. mlpipe-aws does not depend on the `regex` crate, so this is not a full compile: it
//! catches what hand edits break, namely a dangling `\`, unbalanced `(`/`)` or `[`/`]`, and a
//! regex without the capture group SageMaker takes the value from.

/// `Ok` when `regex` is balanced and has a capturing group, else the problem, lowercase.
pub(crate) fn check(regex: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut captures = 0usize;
    let mut in_class = false;
    let mut chars = regex.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or_else(|| "regex ends with a lone '\\'".to_string())?;
            }
            // `]` right after `[` or `[^` is a literal in a class.
            '[' if !in_class => {
                in_class = true;
                chars.next_if_eq(&'^');
                chars.next_if_eq(&']');
            }
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                depth += 1;
                if chars.peek() != Some(&'?') {
                    captures += 1;
                }
            }
            ')' if !in_class => {
                depth = depth.checked_sub(1).ok_or_else(|| "regex has a ')' without '('".to_string())?;
            }
            _ => {}
        }
    }
    if in_class {
        return Err("regex has a '[' without ']'".into());
    }
    if depth > 0 {
        return Err("regex has a '(' without ')'".into());
    }
    if captures == 0 {
        return Err("regex has no capture group for the value".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlpipe_core::train::metric_log::sagemaker_metric_definitions;

    #[test]
    fn mlpipes_own_regexes_pass() {
        for (name, regex) in sagemaker_metric_definitions() {
            assert_eq!(check(&regex), Ok(()), "{name}: {regex}");
        }
    }

    #[test]
    fn classes_and_escapes_do_not_count_as_groups() {
        assert_eq!(check(r"loss=([0-9.]+)"), Ok(()));
        assert_eq!(check(r"a[()]b=(\S+)"), Ok(()));
        assert_eq!(check(r"a[]x]b=(\d+)"), Ok(()));
        assert_eq!(check(r"\(x\)=(\d+)"), Ok(()));
    }

    #[test]
    fn broken_regexes_are_named() {
        assert_eq!(check(r"loss=([0-9.]+"), Err("regex has a '(' without ')'".into()));
        assert_eq!(check(r"loss=[0-9.]+)"), Err("regex has a ')' without '('".into()));
        assert_eq!(check(r"loss=([0-9.+)"), Err("regex has a '[' without ']'".into()));
        assert_eq!(check(r"loss=(\d+)\"), Err("regex ends with a lone '\\'".into()));
        assert_eq!(check(r"loss=\d+"), Err("regex has no capture group for the value".into()));
        assert_eq!(check(r"loss=(?:\d+)"), Err("regex has no capture group for the value".into()));
    }
}
