//! Users as a file, for the April transfers (人事異動): the list of an organization's users
//! written as CSV, and a users file read back into rows for the store to apply.
//!
//! The columns are ログイン名・氏名・所属・メールアドレス・役割・状態, found by their headings (in
//! any order, with common other wordings), so the list written here can be edited in Excel and
//! read in again. A file is CSV (UTF-8, Shift_JIS or UTF-16) or an .xlsx workbook, read by the
//! same defensive reader as ledgers. Every row that cannot be read is named with its line and
//! each reason; nothing is applied here.

use sentei_core::people::{ImportedUser, MAX_IMPORTED_USERS};
use sentei_core::workflow::UserRole;
use sentei_store::UserView;

use crate::ledger_csv::neutralize;
use crate::ledger_import::{FileError, Problem, table};
use crate::sheet::layout::normalize;

/// Largest users file read, in bytes: a few thousand rows fit in far less.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;

/// The headings of a written list, in order.
pub const HEADINGS: [&str; 6] = [
    "ログイン名",
    "氏名",
    "所属",
    "メールアドレス",
    "役割",
    "状態",
];

/// Rows looked through for the heading row.
const HEADING_SEARCH_ROWS: u32 = 10;

/// The rows of a users file, and every problem found in them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsersFile {
    pub rows: Vec<ImportedUser>,
    pub problems: Vec<Problem>,
}

/// The users as CSV text that Excel opens as written: UTF-8 with a byte-order mark, CRLF line
/// ends, and no cell a spreadsheet would run as a formula.
pub fn write(users: &[UserView]) -> Result<String, csv::Error> {
    let mut buffer = Vec::with_capacity(128 + users.len() * 96);
    buffer.extend_from_slice("\u{FEFF}".as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(buffer);
    writer.write_record(HEADINGS)?;
    for u in users {
        let state = if u.active { "有効" } else { "無効" };
        let cells = [
            u.login.as_str(),
            &u.display_name,
            &u.department,
            &u.email,
            u.role.label(),
            state,
        ];
        writer.write_record(cells.iter().map(|cell| neutralize(cell)))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Login,
    Name,
    Department,
    Email,
    Role,
    State,
}

impl Column {
    fn heading(self) -> &'static str {
        match self {
            Column::Login => HEADINGS[0],
            Column::Name => HEADINGS[1],
            Column::Department => HEADINGS[2],
            Column::Email => HEADINGS[3],
            Column::Role => HEADINGS[4],
            Column::State => HEADINGS[5],
        }
    }

    /// The column a heading names, in the words people use for it.
    fn of(heading: &str) -> Option<Column> {
        let heading = normalize(heading).to_lowercase();
        let heading = heading.trim_start_matches('\u{feff}');
        Some(match heading {
            "ログイン名" | "ログインid" | "ログイン" | "ユーザーid" | "ユーザid" | "利用者id"
            | "id" => Column::Login,
            "氏名" | "名前" | "表示名" | "利用者名" => Column::Name,
            "所属" | "所属課" | "部署" | "部署名" | "課" | "課名" | "所属名" => {
                Column::Department
            }
            "メールアドレス" | "メール" | "電子メール" | "e-mail" | "email" | "mail" => {
                Column::Email
            }
            "役割" | "権限" | "ロール" => Column::Role,
            "状態" | "有効" | "利用状態" | "有効/無効" => Column::State,
            _ => return None,
        })
    }
}

/// Reads a users file: `Err` when the file as a whole cannot be read (too large, no heading
/// row, a required column missing), otherwise its rows and the problems of any row.
pub fn read(name: &str, bytes: &[u8]) -> Result<UsersFile, FileError> {
    let whole = |message: String| FileError {
        problems: vec![Problem {
            place: name.to_owned(),
            message,
        }],
    };
    if bytes.len() > MAX_FILE_BYTES {
        return Err(whole(format!(
            "ファイルが大きすぎます（{} バイト。利用者のファイルは {MAX_FILE_BYTES} バイトまで読み込めます）",
            bytes.len()
        )));
    }
    let table = table::read(name, bytes).map_err(|message| FileError {
        problems: vec![Problem {
            place: name.to_owned(),
            message,
        }],
    })?;
    let heading = table
        .rows
        .iter()
        .take_while(|(row, _)| **row < HEADING_SEARCH_ROWS)
        .find(|(_, cells)| cells.iter().any(|c| Column::of(c) == Some(Column::Login)));
    let Some((&heading_row, headings)) = heading else {
        return Err(whole(
            "見出しの行（「ログイン名」「氏名」「所属」「役割」の列）が見つかりません。先頭の行に見出しを書いてください"
                .to_owned(),
        ));
    };
    let mut columns: Vec<(usize, Column)> = Vec::new();
    for (index, text) in headings.iter().enumerate() {
        if let Some(column) = Column::of(text)
            && columns.iter().all(|(_, c)| *c != column)
        {
            columns.push((index, column));
        }
    }
    let missing: Vec<&str> = [
        Column::Login,
        Column::Name,
        Column::Department,
        Column::Role,
    ]
    .into_iter()
    .filter(|c| columns.iter().all(|(_, have)| have != c))
    .map(Column::heading)
    .collect();
    if !missing.is_empty() {
        return Err(whole(format!(
            "{} の見出しの行に「{}」の列がありません",
            table.row_place(heading_row),
            missing.join("」「")
        )));
    }
    let data: Vec<(&u32, &Vec<String>)> = table.rows.range(heading_row + 1..).collect();
    if data.len() > MAX_IMPORTED_USERS {
        return Err(whole(format!(
            "利用者が多すぎます（{} 行。一度に {MAX_IMPORTED_USERS} 人まで読み込めます）。ファイルを分けてください",
            data.len()
        )));
    }
    let has = |column: Column| columns.iter().any(|(_, c)| *c == column);
    let mut file = UsersFile {
        rows: Vec::new(),
        problems: Vec::new(),
    };
    for (&row, cells) in data {
        let place = table.row_place(row);
        let mut problems = Vec::new();
        let cell = |column: Column| -> String {
            columns
                .iter()
                .find(|(_, c)| *c == column)
                .and_then(|(index, _)| cells.get(*index))
                .map_or_else(String::new, |text| text.trim().to_owned())
        };
        for ((r, c), message) in table.bad_cells.range((row, 0)..=(row, u16::MAX)) {
            problems.push(format!("{}: {message}", table.place(*r, *c)));
        }
        let role_text = cell(Column::Role);
        let role = parse_role(&role_text);
        if role.is_none() {
            problems.push(if role_text.is_empty() {
                "役割が書かれていません".to_owned()
            } else {
                format!(
                    "役割「{}」は使えません（{} のどれかを書いてください）",
                    role_text.chars().take(40).collect::<String>(),
                    role_labels()
                )
            });
        }
        let active = if has(Column::State) {
            let text = cell(Column::State);
            match parse_state(&text) {
                Ok(state) => state,
                Err(()) => {
                    problems.push(format!(
                        "状態「{}」は使えません（「有効」か「無効」を書いてください。空欄なら変えません）",
                        text.chars().take(40).collect::<String>()
                    ));
                    None
                }
            }
        } else {
            None
        };
        match (role, problems.is_empty()) {
            (Some(role), true) => file.rows.push(ImportedUser {
                place,
                login: cell(Column::Login),
                display_name: cell(Column::Name),
                department: cell(Column::Department),
                email: has(Column::Email).then(|| cell(Column::Email)),
                role,
                active,
            }),
            _ => file
                .problems
                .extend(problems.into_iter().map(|message| Problem {
                    place: place.clone(),
                    message,
                })),
        }
    }
    Ok(file)
}

/// A role as written in a users file: its label (情報システム管理者), a short name people use
/// (承認者), or its name in the API (approver).
pub fn parse_role(text: &str) -> Option<UserRole> {
    let text = normalize(text).to_lowercase();
    UserRole::ALL
        .into_iter()
        .find(|r| r.label() == text || r.as_str() == text)
        .or(match text.as_str() {
            "申請者" | "申請担当" => Some(UserRole::Applicant),
            "承認者" | "許可権限者" => Some(UserRole::Approver),
            "統括責任者" | "ciso" => Some(UserRole::Ciso),
            "監査" | "監査者" => Some(UserRole::Auditor),
            "管理者" | "システム管理" => Some(UserRole::Admin),
            _ => None,
        })
}

fn role_labels() -> String {
    UserRole::ALL
        .into_iter()
        .map(|r| format!("「{}」", r.label()))
        .collect::<Vec<_>>()
        .join("")
}

/// 有効 / 無効; blank for unchanged.
fn parse_state(text: &str) -> Result<Option<bool>, ()> {
    match normalize(text).as_str() {
        "" => Ok(None),
        "有効" | "利用中" | "在籍" => Ok(Some(true)),
        "無効" | "停止" | "利用停止" | "退職" | "転出" => Ok(Some(false)),
        _ => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(login: &str, role: UserRole, active: bool) -> UserView {
        UserView {
            id: 1,
            login: login.to_owned(),
            display_name: "=田中 一郎".to_owned(),
            department: "市民課".to_owned(),
            email: "tanaka@city.example.lg.jp".to_owned(),
            role,
            active,
        }
    }

    #[test]
    fn a_written_list_reads_back_as_the_same_users() {
        let text = write(&[
            user("tanaka", UserRole::Approver, true),
            user("sato", UserRole::Auditor, false),
        ])
        .unwrap();
        assert!(text.starts_with("\u{FEFF}ログイン名,氏名,所属,メールアドレス,役割,状態\r\n"));
        // A name a spreadsheet would run is written as text.
        assert!(text.contains("tanaka,'=田中 一郎,市民課"), "{text}");
        assert!(!text.contains("approver"), "{text}");
        let file = read("利用者.csv", text.as_bytes()).unwrap();
        assert_eq!(file.problems, Vec::new());
        assert_eq!(file.rows.len(), 2);
        assert_eq!(file.rows[0].place, "2行目");
        assert_eq!(file.rows[0].role, UserRole::Approver);
        assert_eq!(file.rows[0].active, Some(true));
        assert_eq!(file.rows[1].active, Some(false));
        assert_eq!(
            file.rows[1].email.as_deref(),
            Some("tanaka@city.example.lg.jp")
        );
    }

    #[test]
    fn headings_in_other_words_and_orders_are_found_below_a_title() {
        let text =
            "令和8年4月1日付 人事異動\n\n役割,部署,名前,ID\n承認者,情報政策課,鈴木 次郎,suzuki\n";
        let file = read("異動.csv", text.as_bytes()).unwrap();
        assert_eq!(file.problems, Vec::new());
        let row = &file.rows[0];
        assert_eq!(row.place, "4行目");
        assert_eq!(
            (row.login.as_str(), row.department.as_str(), row.role),
            ("suzuki", "情報政策課", UserRole::Approver)
        );
        // No e-mail or state column: addresses and states are left as they are.
        assert_eq!((row.email.clone(), row.active), (None, None));
    }

    #[test]
    fn every_bad_row_is_named_with_its_line_and_reasons() {
        let text = "ログイン名,氏名,所属,役割,状態\ntanaka,田中,市民課,係長,有効\nsato,佐藤,総務課,監査担当者,休職\nito,伊藤,税務課,,\n";
        let file = read("異動.csv", text.as_bytes()).unwrap();
        assert!(file.rows.is_empty());
        let lines: Vec<String> = file.problems.iter().map(ToString::to_string).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(
            lines[0].starts_with("2行目: 役割「係長」は使えません"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("3行目: 状態「休職」は使えません"),
            "{}",
            lines[1]
        );
        assert_eq!(lines[2], "4行目: 役割が書かれていません");
    }

    #[test]
    fn files_without_the_needed_columns_or_too_large_are_refused_whole() {
        let no_heading = read("x.csv", "a,b\n1,2\n".as_bytes()).unwrap_err();
        assert!(
            no_heading.to_string().contains("見出しの行"),
            "{no_heading}"
        );
        let no_role = read("x.csv", "ログイン名,氏名,所属\na,b,c\n".as_bytes()).unwrap_err();
        assert_eq!(
            no_role.to_string(),
            "x.csv: 1行目 の見出しの行に「役割」の列がありません"
        );
        let large = vec![b'a'; MAX_FILE_BYTES + 1];
        assert!(
            read("x.csv", &large)
                .unwrap_err()
                .to_string()
                .contains("大きすぎます")
        );
        let mut many = "ログイン名,氏名,所属,役割\n".to_owned();
        for n in 0..=MAX_IMPORTED_USERS {
            many.push_str(&format!("u{n:05},氏名,所属,申請者\n"));
        }
        assert!(
            read("x.csv", many.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("多すぎます")
        );
    }

    #[test]
    fn shift_jis_files_from_excel_are_read() {
        let text = "ログイン名,氏名,所属,役割\r\nwatanabe,渡辺 五郎,監査委員事務局,監査担当者\r\n";
        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(text);
        let file = read("異動.csv", &bytes).unwrap();
        assert_eq!(file.rows[0].display_name, "渡辺 五郎");
        assert_eq!(file.rows[0].role, UserRole::Auditor);
    }

    #[test]
    fn roles_are_read_by_label_short_name_or_api_name() {
        assert_eq!(parse_role("情報システム管理者"), Some(UserRole::Approver));
        assert_eq!(parse_role(" 管理者 "), Some(UserRole::Admin));
        assert_eq!(parse_role("ＣＩＳＯ"), Some(UserRole::Ciso));
        assert_eq!(parse_role("applicant"), Some(UserRole::Applicant));
        assert_eq!(parse_role("部長"), None);
    }
}
