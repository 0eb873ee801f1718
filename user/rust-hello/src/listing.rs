//! The lines that describe the program's arguments and environment.

/// `rust-hello: argc=N` followed by one `argv[i]=VALUE` line per argument.
pub fn arg_lines(args: &[String]) -> Vec<String> {
    let mut lines = Vec::with_capacity(args.len() + 1);
    lines.push(format!("rust-hello: argc={}", args.len()));
    for (i, arg) in args.iter().enumerate() {
        lines.push(format!("argv[{i}]={arg}"));
    }
    lines
}

/// One `env KEY=VALUE` line per variable, sorted by key (stable for equal keys).
pub fn env_lines(vars: impl IntoIterator<Item = (String, String)>) -> Vec<String> {
    let mut vars: Vec<(String, String)> = vars.into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    vars.iter().map(|(k, v)| format!("env {k}={v}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn args_are_counted_and_numbered() {
        let args = vec!["rust-hello".to_string(), "a b".to_string()];
        assert_eq!(
            arg_lines(&args),
            ["rust-hello: argc=2", "argv[0]=rust-hello", "argv[1]=a b"]
        );
    }

    #[test]
    fn no_args_still_prints_the_count() {
        assert_eq!(arg_lines(&[]), ["rust-hello: argc=0"]);
    }

    #[test]
    fn env_is_sorted_by_key_and_keeps_empty_values() {
        let vars = owned(&[("PATH", "/bin"), ("EMPTY", ""), ("A", "x=y")]);
        assert_eq!(env_lines(vars), ["env A=x=y", "env EMPTY=", "env PATH=/bin"]);
    }
}
