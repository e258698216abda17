//! The command line's help and usage errors in Japanese.
//!
//! The texts of commands and options are written in Japanese in `cli.rs`. What clap adds by
//! itself — headings, `[default: …]`, the help and version flags, and its error messages — is
//! English; this module gives every command Japanese headings and flags, turns the few fixed
//! words clap puts into help into Japanese, and writes each kind of usage error in Japanese
//! from the error's context (never from clap's English text).

use clap::builder::Str;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command};

/// Exit status for a command line that cannot be carried out as written (as clap uses).
const USAGE_ERROR: u8 = 2;

const TEMPLATE: &str = "{about-with-newline}\n使い方: {usage}\n\n{all-args}{after-help}";

/// The command, and every subcommand under it, with Japanese headings and flags.
pub fn localized(command: Command) -> Command {
    let is_root = command.get_name() == "sentei";
    let mut command = command
        .help_template(TEMPLATE)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .subcommand_help_heading("コマンド")
        .subcommand_value_name("コマンド")
        .mut_args(|arg| {
            // The variable's name is shown; its value may be a password.
            let arg = match arg.get_value_names().map(<[_]>::to_vec) {
                Some(names) => arg.value_names(
                    names
                        .into_iter()
                        .map(|n| value_name(n.as_str()).map_or(n, Str::from)),
                ),
                None => arg,
            }
            .hide_env_values(true);
            if arg.is_positional() {
                arg.help_heading("引数")
            } else {
                arg.help_heading("オプション")
            }
        })
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("この説明を表示します")
                .help_heading("オプション")
                .global(is_root),
        );
    if is_root {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("版を表示します")
                .help_heading("オプション"),
        );
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, localized);
    }
    command
}

/// The placeholder of an option's value or an argument, in Japanese.
fn value_name(name: &str) -> Option<&'static str> {
    let japanese = match name.to_ascii_uppercase().as_str() {
        "DIR" => "フォルダ",
        "FILE" => "ファイル",
        "SHEET" | "SHEET.XLSX" => "シート.xlsx",
        "ASSESSMENT.YAML" => "評価.yaml",
        "CODE" => "コード",
        "NAME" => "名前",
        "FORMAT" => "形式",
        "DAYS" => "日数",
        "TEXT" => "文字",
        "LOGIN" => "ログイン名",
        "ROLE" => "役割",
        "HASH" => "ハッシュ",
        "ID" => "基準のid",
        "SERVICES" => "件数",
        "LISTEN" => "アドレス:ポート",
        "PUBLIC_URL" | "URL" => "URL",
        "ORG_NAME" => "組織名",
        "DEPARTMENT" => "所属",
        "OUTPUT" => "ファイル",
        "EXPECT_HEAD" => "ハッシュ",
        _ => return None,
    };
    Some(japanese)
}

/// The words clap writes into help and usage by itself, in Japanese; and no space where clap
/// joined the lines of a Japanese sentence.
pub fn japanese(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let joined: String = chars
        .iter()
        .enumerate()
        .filter(|&(i, &c)| {
            let wide = |at: Option<&char>| at.is_some_and(|c| !c.is_ascii());
            !(c == ' ' && i > 0 && wide(chars.get(i - 1)) && wide(chars.get(i + 1)))
        })
        .map(|(_, &c)| c)
        .collect();
    joined
        .replace("[OPTIONS]", "[オプション]")
        .replace("<COMMAND>", "<コマンド>")
        .replace("[default: ", "[既定: ")
        .replace("[env: ", "[環境変数: ")
        .replace("[possible values: ", "[使える値: ")
        .replace("[aliases: ", "[別名: ")
        .replace("[alias: ", "[別名: ")
        .replace("Usage: ", "使い方: ")
}

/// What to print and the exit status, for a command line clap did not accept (or for help and
/// version, which clap reports the same way).
pub fn report(error: &clap::Error) -> (String, u8, bool) {
    match error.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            (japanese(&error.render().to_string()), 0, false)
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            (japanese(&error.render().to_string()), USAGE_ERROR, true)
        }
        kind => {
            let mut out = format!("sentei: {}\n", message(kind, error));
            if let Some(ContextValue::StyledStr(usage)) = error.get(ContextKind::Usage) {
                out.push_str(&japanese(usage.to_string().trim()));
                out.push('\n');
            }
            out.push_str("詳しくは --help を付けて実行すると表示されます。\n");
            (out, USAGE_ERROR, true)
        }
    }
}

fn message(kind: ErrorKind, error: &clap::Error) -> String {
    let arg = text(error, ContextKind::InvalidArg);
    let value = text(error, ContextKind::InvalidValue);
    let mut message = match kind {
        ErrorKind::UnknownArgument => format!("`{}` という指定はありません", arg),
        ErrorKind::InvalidSubcommand => format!(
            "`{}` というコマンドはありません",
            text(error, ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue => {
            let valid = text(error, ContextKind::ValidValue);
            if value.is_empty() {
                format!("{arg} に値を書いてください")
            } else if valid.is_empty() {
                format!("{arg} に `{value}` は使えません")
            } else {
                format!("{arg} に `{value}` は使えません（使える値: {valid}）")
            }
        }
        ErrorKind::ValueValidation => {
            format!("{arg} の値 `{value}` が正しくありません")
        }
        ErrorKind::MissingRequiredArgument => {
            format!("必要な指定がありません: {arg}")
        }
        ErrorKind::MissingSubcommand => "コマンドを指定してください".to_owned(),
        ErrorKind::ArgumentConflict => format!(
            "{arg} と {} は一緒に指定できません",
            text(error, ContextKind::PriorArg)
        ),
        ErrorKind::NoEquals => format!("{arg} の値は = に続けて書いてください"),
        ErrorKind::TooManyValues => format!("{arg} の値 `{value}` は多すぎます"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("{arg} の値の数が正しくありません")
        }
        ErrorKind::InvalidUtf8 => "引数に UTF-8 でない文字があります".to_owned(),
        _ => "コマンドラインの指定が正しくありません".to_owned(),
    };
    let suggested = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .map(|k| text(error, k))
    .find(|s| !s.is_empty());
    if let Some(suggested) = suggested {
        message.push_str(&format!("。`{suggested}` のことでしょうか"));
    }
    message
}

/// A context value as plain text (lists joined with 「、」).
fn text(error: &clap::Error, kind: ContextKind) -> String {
    match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(list)) => list.join("、"),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(list)) => list
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("、"),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;
    use crate::cli::Cli;

    fn run(args: &[&str]) -> (String, u8) {
        let command = localized(Cli::command());
        match command.try_get_matches_from(args) {
            Ok(_) => (String::new(), 0),
            Err(e) => {
                let (text, code, _) = report(&e);
                (text, code)
            }
        }
    }

    /// Words clap writes in English; none may reach a person.
    const ENGLISH: &[&str] = &[
        "Usage",
        "Options",
        "Commands",
        "Arguments",
        "Print help",
        "Print version",
        "default:",
        "possible values",
        "error:",
        "For more information",
        "unexpected",
        "[OPTIONS]",
        "<COMMAND>",
        "required",
        "invalid",
    ];

    fn assert_japanese(text: &str) {
        for word in ENGLISH {
            assert!(!text.contains(word), "{word:?} in:\n{text}");
        }
        // No sentence left in English: its little words would show.
        for word in [" the ", " a ", " of ", " to ", " and ", " is ", " for "] {
            assert!(!text.contains(word), "{word:?} in:\n{text}");
        }
    }

    #[test]
    fn every_commands_help_is_japanese() {
        let mut paths: Vec<Vec<String>> = vec![vec![]];
        let root = Cli::command();
        for sub in root.get_subcommands() {
            paths.push(vec![sub.get_name().to_owned()]);
            for inner in sub.get_subcommands() {
                paths.push(vec![sub.get_name().to_owned(), inner.get_name().to_owned()]);
            }
        }
        assert!(paths.len() > 20, "{}", paths.len());
        for path in paths {
            let mut args = vec!["sentei".to_owned()];
            args.extend(path.iter().cloned());
            args.push("--help".to_owned());
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (help, code) = run(&args);
            assert_eq!(code, 0, "{args:?}");
            assert!(help.contains("使い方: sentei"), "{args:?}:\n{help}");
            assert!(help.contains("この説明を表示します"), "{args:?}:\n{help}");
            assert_japanese(&help);
            // Every command and option says what it is for, in Japanese.
            assert!(
                help.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)),
                "{args:?}"
            );
        }
    }

    #[test]
    fn usage_errors_are_japanese_with_exit_status_2() {
        for (args, expected) in [
            (vec!["sentei", "assess"], "必要な指定がありません"),
            (
                vec!["sentei", "asess", "x"],
                "`asess` というコマンドはありません。`assess` のことでしょうか",
            ),
            (
                vec!["sentei", "assess", "x", "--format", "html"],
                "`html` は使えません（使える値: table、json）",
            ),
            (
                vec!["sentei", "profiles", "--colour"],
                "`--colour` という指定はありません",
            ),
            (
                vec!["sentei", "ledger", "list", "--expiring", "ninety"],
                "の値 `ninety` が正しくありません",
            ),
            (vec!["sentei"], "使い方:"),
        ] {
            let (text, code) = run(&args);
            assert_eq!(code, 2, "{args:?}:\n{text}");
            assert!(text.contains(expected), "{args:?}:\n{text}");
            assert_japanese(&text);
        }
    }
}
