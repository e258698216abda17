//! Why a command stopped, and with which exit status.

use std::fmt;

use sentei_core::InputError;

/// Exit status for input the user can fix (the assessment contract's "invalid input").
pub const INVALID_INPUT: u8 = 2;

#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    /// Problems in one input file, one per line, each as `FILE:LINE: KEY: message`.
    pub fn input(file: &str, error: &InputError) -> Failure {
        let lines: Vec<String> = error
            .problems
            .iter()
            .map(|p| {
                let mut line = String::from(file);
                if let Some(n) = p.line {
                    line.push_str(&format!(":{n}"));
                }
                line.push_str(": ");
                if let Some(key) = &p.key {
                    line.push_str(&format!("{key}: "));
                }
                line.push_str(&p.message);
                line
            })
            .collect();
        Failure::problems(file, lines)
    }

    /// Problems already written out, one per line, then what was (not) done.
    pub fn problems(file: &str, mut lines: Vec<String>) -> Failure {
        lines.push(format!(
            "sentei: {file} に {} 件の問題があるため、処理を中止しました。何も出力していません。",
            lines.len()
        ));
        Failure {
            code: INVALID_INPUT,
            message: lines.join("\n"),
        }
    }

    /// A request that cannot be carried out as asked (exit status 2).
    pub fn usage(message: impl fmt::Display) -> Failure {
        Failure {
            code: INVALID_INPUT,
            message: format!("sentei: {message}"),
        }
    }

    /// A failure of the system rather than of the request (exit status 1).
    pub fn internal(message: impl fmt::Display) -> Failure {
        Failure {
            code: 1,
            message: format!("sentei: {message}"),
        }
    }

    /// One problem with a file as a whole (missing, unreadable, too large).
    pub fn file(file: &str, message: impl fmt::Display) -> Failure {
        Failure {
            code: INVALID_INPUT,
            message: format!("{file}: {message}"),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
