//! Configuration: command-line flags, then `SENTEI_…` environment variables, then an optional
//! TOML file (`--config FILE` or `SENTEI_CONFIG`), then defaults.
//!
//! Nothing here exits the process or lives in a global: the resolved [`Config`] is built once in
//! `main` and passed to the commands that need it. Secrets are masked whenever shown.

use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use sentei_store::DatabaseUrl;
use serde::Deserialize;

use crate::failure::Failure;
use sentei_web::TrustedProxy;

/// The default data directory, relative to where sentei runs.
pub const DEFAULT_DATA_DIR: &str = "./sentei-data";

/// The configuration file's keys; unknown keys are errors.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    /// Reverse proxies whose `X-Forwarded-For` names the client: addresses or networks.
    #[serde(default)]
    trusted_proxies: Vec<String>,
    /// The longest lifetime, in days, of an API token (the account page offers 90 by default).
    max_token_days: Option<i64>,
    /// The stamp boxes of the printed record's 決裁欄 (起案・審査・承認 unless given).
    #[serde(default)]
    approval_boxes: Vec<String>,
    /// Notifications by mail through the municipality's relay; off unless enabled.
    #[serde(default)]
    mail: MailFile,
    /// Where the head of each audit chain is published.
    #[serde(default)]
    audit: AuditFile,
    /// Bounds on connections and uploads.
    #[serde(default)]
    server: ServerFile,
}

/// The `[audit]` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFile {
    /// The head file; `""` for none.
    head_file: Option<PathBuf>,
    /// A log line (target `sentei::audit_head`) with every head; on unless `false`.
    head_log: Option<bool>,
}

/// Where the head of each audit chain is published after every write (issue 12, finding 15):
/// outside the database, so that records cut off its end show in `sentei audit verify`.
#[derive(Clone, Debug)]
pub struct AuditConfig {
    /// The head file: by default `audit-heads.log` beside an SQLite database; none by default
    /// for PostgreSQL, whose database server is another machine than sentei's (set one).
    pub head_file: Option<PathBuf>,
    pub head_file_origin: Origin,
    /// A log line with every head, for journald and from there syslog or another host.
    pub head_log: bool,
}

impl AuditConfig {
    /// The name of the default head file beside an SQLite database.
    pub const DEFAULT_FILE: &str = "audit-heads.log";

    fn read(file: AuditFile, database_url: &DatabaseUrl) -> AuditConfig {
        let (head_file, head_file_origin) = match file.head_file {
            Some(path) if path.as_os_str().is_empty() => (None, Origin::File),
            Some(path) => (Some(path), Origin::File),
            None => (
                database_url.sqlite_path().map(|db| {
                    db.parent()
                        .unwrap_or_else(|| Path::new("."))
                        .join(AuditConfig::DEFAULT_FILE)
                }),
                Origin::Default,
            ),
        };
        AuditConfig {
            head_file,
            head_file_origin,
            head_log: file.head_log.unwrap_or(true),
        }
    }

    fn show(&self, out: &mut String) {
        out.push_str("\n[audit]\n");
        match &self.head_file {
            Some(path) => out.push_str(&format!(
                "head_file = \"{}\"   # {}\n",
                path.display(),
                self.head_file_origin.label()
            )),
            None => out.push_str(&format!(
                "head_file = \"\"   # {}（監査記録の末尾をファイルに書き出しません）\n",
                self.head_file_origin.label()
            )),
        }
        out.push_str(&format!("head_log = {}\n", self.head_log));
    }
}

/// The `[server]` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServerFile {
    header_read_timeout_seconds: Option<u64>,
    idle_timeout_seconds: Option<u64>,
    max_connections: Option<usize>,
    upload_readers: Option<usize>,
}

/// How the server bounds its connections and the uploads it reads (issue 12, findings 4
/// and 5); defaults in `sentei_web::ServerLimits` and `sentei_web::DEFAULT_READERS`.
#[derive(Clone, Copy, Debug)]
pub struct ServerConfig {
    pub limits: sentei_web::ServerLimits,
    pub upload_readers: usize,
    /// Whether the file set any of them, for `config show`.
    from_file: bool,
}

impl ServerConfig {
    fn read(file: ServerFile, source: &str) -> Result<ServerConfig, Failure> {
        let defaults = sentei_web::ServerLimits::default();
        let within =
            |value: Option<u64>, key: &str, range: std::ops::RangeInclusive<u64>, unit: &str| {
                match value {
                    Some(v) if !range.contains(&v) => Err(Failure::file(
                        source,
                        format!(
                            "[server] {key} は {}〜{}（{unit}）で書いてください",
                            range.start(),
                            range.end()
                        ),
                    )),
                    _ => Ok(value),
                }
            };
        let seconds = std::time::Duration::from_secs;
        let header = within(
            file.header_read_timeout_seconds,
            "header_read_timeout_seconds",
            1..=600,
            "秒",
        )?;
        let idle = within(
            file.idle_timeout_seconds,
            "idle_timeout_seconds",
            1..=3600,
            "秒",
        )?;
        let connections = within(
            file.max_connections.map(|n| n as u64),
            "max_connections",
            1..=100_000,
            "接続",
        )?;
        let readers = within(
            file.upload_readers.map(|n| n as u64),
            "upload_readers",
            1..=64,
            "件",
        )?;
        Ok(ServerConfig {
            limits: sentei_web::ServerLimits {
                header_read_timeout: header.map_or(defaults.header_read_timeout, seconds),
                idle_timeout: idle.map_or(defaults.idle_timeout, seconds),
                max_connections: connections.map_or(defaults.max_connections, |n| {
                    usize::try_from(n).unwrap_or(usize::MAX)
                }),
            },
            upload_readers: readers.map_or(sentei_web::DEFAULT_READERS, |n| {
                usize::try_from(n).unwrap_or(sentei_web::DEFAULT_READERS)
            }),
            from_file: header.or(idle).or(connections).or(readers).is_some(),
        })
    }

    fn show(&self, out: &mut String) {
        let origin = if self.from_file {
            Origin::File
        } else {
            Origin::Default
        };
        out.push_str(&format!("\n[server]   # {}\n", origin.label()));
        out.push_str(&format!(
            "header_read_timeout_seconds = {}\n",
            self.limits.header_read_timeout.as_secs()
        ));
        out.push_str(&format!(
            "idle_timeout_seconds = {}\n",
            self.limits.idle_timeout.as_secs()
        ));
        out.push_str(&format!(
            "max_connections = {}\n",
            self.limits.max_connections
        ));
        out.push_str(&format!("upload_readers = {}\n", self.upload_readers));
    }
}

/// The `[mail]` section as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailFile {
    #[serde(default)]
    enabled: bool,
    smtp_host: Option<String>,
    smtp_port: Option<u16>,
    #[serde(default)]
    starttls: bool,
    ca_file: Option<PathBuf>,
    username: Option<String>,
    password: Option<String>,
    from: Option<String>,
    helo_name: Option<String>,
    public_url: Option<String>,
    digest_time: Option<String>,
    timeout_seconds: Option<u64>,
}

/// A password: never shown, never logged, not even by `{:?}`.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// How notifications are mailed (`sentei notify`).
#[derive(Clone, Debug)]
pub struct MailConfig {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    /// Upgrade the connection with STARTTLS, and refuse to send without it.
    pub starttls: bool,
    /// A CA certificate (PEM) to trust besides the system's, for a relay with a certificate of
    /// the municipality's own CA.
    pub ca_file: Option<PathBuf>,
    pub credentials: Option<(String, Secret)>,
    pub from: String,
    /// The name this host gives in EHLO.
    pub helo_name: String,
    /// sentei's address for the links in mails (`https://sentei.example.lg.jp`).
    pub public_url: Option<String>,
    /// The time of day (Japan) the daily digest is sent from.
    pub digest_at: time::Time,
    pub timeout: std::time::Duration,
}

impl MailConfig {
    fn read(file: MailFile, source: &str) -> Result<MailConfig, Failure> {
        let problem = |message: String| Failure::file(source, format!("[mail] {message}"));
        let digest_at = match file.digest_time.as_deref() {
            None => time::Time::from_hms(8, 0, 0).unwrap_or(time::Time::MIDNIGHT),
            Some(text) => text
                .split_once(':')
                .and_then(|(h, m)| Some((h.parse::<u8>().ok()?, m.parse::<u8>().ok()?)))
                .and_then(|(h, m)| time::Time::from_hms(h, m, 0).ok())
                .ok_or_else(|| {
                    problem(format!(
                        "digest_time は 08:30 のように時:分で書いてください（{text}）"
                    ))
                })?,
        };
        let credentials = match (file.username, file.password) {
            (None, None) => None,
            (Some(user), Some(password)) => Some((user, Secret(password))),
            _ => {
                return Err(problem(
                    "username と password は両方書くか、両方とも書かないでください".to_owned(),
                ));
            }
        };
        if credentials.is_some() && !file.starttls {
            return Err(problem(
                "パスワードを暗号化せずに送らないよう、username と password を使うときは starttls = true にしてください".to_owned(),
            ));
        }
        let from = file.from.unwrap_or_default();
        let host = file.smtp_host.unwrap_or_default();
        if file.enabled {
            if host.trim().is_empty() {
                return Err(problem(
                    "enabled = true のときは smtp_host（メールサーバーの名前）を書いてください"
                        .to_owned(),
                ));
            }
            match sentei_core::notify::email_address(&from) {
                Ok(address) if !address.is_empty() => {}
                _ => {
                    return Err(problem(
                        "enabled = true のときは from（送信元のメールアドレス）を正しく書いてください"
                            .to_owned(),
                    ));
                }
            }
        }
        let public_url = file.public_url.map(|u| u.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(problem(format!(
                "public_url は https:// で始まる sentei のアドレスにしてください（{url}）"
            )));
        }
        Ok(MailConfig {
            enabled: file.enabled,
            host: host.trim().to_owned(),
            port: file.smtp_port.unwrap_or(25),
            starttls: file.starttls,
            ca_file: file.ca_file,
            credentials,
            from: from.trim().to_owned(),
            helo_name: file.helo_name.unwrap_or_else(|| "localhost".to_owned()),
            public_url,
            digest_at,
            timeout: std::time::Duration::from_secs(file.timeout_seconds.unwrap_or(60).max(1)),
        })
    }

    fn show(&self, out: &mut String) {
        out.push_str("\n[mail]\n");
        out.push_str(&format!("enabled = {}\n", self.enabled));
        out.push_str(&format!("smtp_host = \"{}\"\n", self.host));
        out.push_str(&format!("smtp_port = {}\n", self.port));
        out.push_str(&format!("starttls = {}\n", self.starttls));
        if let Some(ca) = &self.ca_file {
            out.push_str(&format!("ca_file = \"{}\"\n", ca.display()));
        }
        if let Some((user, _)) = &self.credentials {
            out.push_str(&format!("username = \"{user}\"\npassword = \"***\"\n"));
        }
        out.push_str(&format!("from = \"{}\"\n", self.from));
        if let Some(url) = &self.public_url {
            out.push_str(&format!("public_url = \"{url}\"\n"));
        }
        out.push_str(&format!(
            "digest_time = \"{:02}:{:02}\"\n",
            self.digest_at.hour(),
            self.digest_at.minute()
        ));
    }
}

/// Where a setting's value came from, for `sentei config show`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    Flag,
    Environment,
    File,
    Default,
}

impl Origin {
    fn label(self) -> &'static str {
        match self {
            Origin::Flag => "コマンドラインの指定",
            Origin::Environment => "環境変数",
            Origin::File => "設定ファイル",
            Origin::Default => "既定値",
        }
    }

    fn of(source: Option<ValueSource>) -> Option<Origin> {
        match source? {
            ValueSource::CommandLine => Some(Origin::Flag),
            ValueSource::EnvVariable => Some(Origin::Environment),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: DatabaseUrl,
    pub database_url_origin: Origin,
    pub data_dir: PathBuf,
    pub data_dir_origin: Origin,
    /// From the file only: which proxy may say who the client is is a decision for whoever
    /// installs sentei, written down, not a flag to pass by hand.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// From the file only; `None` is `sentei_store::MAX_TOKEN_DAYS`.
    pub max_token_days: Option<i64>,
    /// From the file only; empty is 起案・審査・承認.
    pub approval_boxes: Vec<String>,
    pub mail: MailConfig,
    pub audit: AuditConfig,
    pub server: ServerConfig,
    pub file: Option<PathBuf>,
}

/// The values given on the command line or in the environment, with where each came from.
pub struct Given {
    pub database_url: Option<(String, Option<ValueSource>)>,
    pub data_dir: Option<(PathBuf, Option<ValueSource>)>,
    pub config_file: Option<PathBuf>,
}

impl Config {
    pub fn resolve(given: Given) -> Result<Config, Failure> {
        let file = match &given.config_file {
            Some(path) => read_file(path)?,
            None => FileSettings::default(),
        };
        let (data_dir, data_dir_origin) = match (given.data_dir, file.data_dir) {
            (Some((dir, source)), _) => (dir, Origin::of(source).unwrap_or(Origin::Flag)),
            (None, Some(dir)) => (dir, Origin::File),
            (None, None) => (PathBuf::from(DEFAULT_DATA_DIR), Origin::Default),
        };
        let (database_url, database_url_origin) = match (given.database_url, file.database_url) {
            (Some((url, source)), _) => {
                (parse_url(&url)?, Origin::of(source).unwrap_or(Origin::Flag))
            }
            (None, Some(url)) => (parse_url(&url)?, Origin::File),
            (None, None) => (sentei_store::default_sqlite_url(&data_dir), Origin::Default),
        };
        let source = given
            .config_file
            .as_ref()
            .map_or_else(String::new, |p| p.display().to_string());
        let trusted_proxies = file
            .trusted_proxies
            .iter()
            .map(|p| TrustedProxy::parse(p).map_err(|e| Failure::file(&source, e)))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(days) = file.max_token_days
            && !(1..=3650).contains(&days)
        {
            return Err(Failure::file(
                &source,
                "max_token_days は 1〜3650（日）で書いてください",
            ));
        }
        let boxes_fit = file.approval_boxes.len() <= 8
            && file.approval_boxes.iter().all(|b| {
                let chars = b.trim().chars().count();
                (1..=20).contains(&chars) && !b.chars().any(char::is_control)
            });
        if !boxes_fit {
            return Err(Failure::file(
                &source,
                "approval_boxes（印刷用の記録の決裁欄）は、1〜20 文字の欄の名前を 8 つまで書いてください（例: [\"起案\", \"課長\", \"情報政策課長\"]）",
            ));
        }
        let mail = MailConfig::read(file.mail, &source)?;
        let audit = AuditConfig::read(file.audit, &database_url);
        let server = ServerConfig::read(file.server, &source)?;
        Ok(Config {
            database_url,
            database_url_origin,
            data_dir,
            data_dir_origin,
            trusted_proxies,
            max_token_days: file.max_token_days,
            approval_boxes: file
                .approval_boxes
                .iter()
                .map(|b| b.trim().to_owned())
                .collect(),
            mail,
            audit,
            server,
            file: given.config_file,
        })
    }

    /// The configuration for people, passwords masked.
    pub fn show(&self) -> String {
        let mut out = String::new();
        out.push_str(&format!(
            "database_url = \"{}\"   # {}\n",
            self.database_url,
            self.database_url_origin.label()
        ));
        out.push_str(&format!(
            "data_dir = \"{}\"   # {}\n",
            self.data_dir.display(),
            self.data_dir_origin.label()
        ));
        let proxies: Vec<String> = self
            .trusted_proxies
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect();
        out.push_str(&format!(
            "trusted_proxies = [{}]   # {}\n",
            proxies.join(", "),
            if self.trusted_proxies.is_empty() {
                Origin::Default.label()
            } else {
                Origin::File.label()
            }
        ));
        out.push_str(&format!(
            "max_token_days = {}   # {}\n",
            self.max_token_days.unwrap_or(sentei_store::MAX_TOKEN_DAYS),
            if self.max_token_days.is_some() {
                Origin::File.label()
            } else {
                Origin::Default.label()
            }
        ));
        let boxes: Vec<String> = if self.approval_boxes.is_empty() {
            sentei_web::DEFAULT_APPROVAL_BOXES
                .iter()
                .map(|b| format!("\"{b}\""))
                .collect()
        } else {
            self.approval_boxes
                .iter()
                .map(|b| format!("\"{b}\""))
                .collect()
        };
        out.push_str(&format!(
            "approval_boxes = [{}]   # {}\n",
            boxes.join(", "),
            if self.approval_boxes.is_empty() {
                Origin::Default.label()
            } else {
                Origin::File.label()
            }
        ));
        self.server.show(&mut out);
        self.mail.show(&mut out);
        self.audit.show(&mut out);
        if let Some(file) = &self.file {
            out.push_str(&format!("# 設定ファイル: {}\n", file.display()));
        }
        out
    }
}

fn parse_url(url: &str) -> Result<DatabaseUrl, Failure> {
    DatabaseUrl::parse(url).map_err(|e| Failure::file("--database-url", e))
}

fn read_file(path: &Path) -> Result<FileSettings, Failure> {
    let name = path.display().to_string();
    let text = crate::files::read_text(path)?;
    toml::from_str(&text).map_err(|e| {
        // toml's message names the key and line; keep only its first line, without the value.
        let message = e.message().lines().next().unwrap_or("").to_owned();
        Failure::file(&name, format!("設定ファイルを読めません（{message}）"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn given(url: Option<&str>, dir: Option<&str>) -> Given {
        Given {
            database_url: url.map(|u| (u.to_owned(), Some(ValueSource::EnvVariable))),
            data_dir: dir.map(|d| (PathBuf::from(d), Some(ValueSource::CommandLine))),
            config_file: None,
        }
    }

    #[test]
    fn defaults_put_an_sqlite_file_in_the_data_directory() {
        let config = Config::resolve(given(None, None)).unwrap();
        assert_eq!(
            config.database_url.to_string(),
            "sqlite://./sentei-data/sentei.db"
        );
        assert_eq!(config.database_url_origin, Origin::Default);
        let config = Config::resolve(given(None, Some("/var/lib/sentei"))).unwrap();
        assert_eq!(
            config.database_url.to_string(),
            "sqlite:///var/lib/sentei/sentei.db"
        );
        assert_eq!(config.data_dir_origin, Origin::Flag);
    }

    #[test]
    fn shown_configuration_masks_passwords() {
        let config = Config::resolve(given(
            Some("postgres://sentei:hunter2hunter2@db/sentei"),
            None,
        ))
        .unwrap();
        let shown = config.show();
        assert!(shown.contains("postgres://sentei:***@db/sentei"), "{shown}");
        assert!(shown.contains("環境変数"));
        assert!(!shown.contains("hunter2"));
    }

    #[test]
    fn the_file_fills_what_flags_and_environment_leave() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sentei.toml");
        std::fs::write(
            &file,
            "database_url = \"postgres://u:p@h/d\"\ndata_dir = \"/srv/sentei\"\ntrusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1\"]\n",
        )
        .unwrap();
        let config = Config::resolve(Given {
            database_url: None,
            data_dir: None,
            config_file: Some(file.clone()),
        })
        .unwrap();
        assert_eq!(config.database_url_origin, Origin::File);
        assert_eq!(config.data_dir, PathBuf::from("/srv/sentei"));
        assert_eq!(config.trusted_proxies.len(), 2);
        assert!(
            config
                .show()
                .contains("trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.1/32\"]")
        );
        std::fs::write(&file, "trusted_proxies = [\"proxy.example\"]\n").unwrap();
        let err = Config::resolve(Given {
            database_url: None,
            data_dir: None,
            config_file: Some(file.clone()),
        })
        .unwrap_err();
        assert!(err.message.contains("proxy.example"), "{}", err.message);
        assert!(!config.mail.enabled, "mail is off unless enabled");
        std::fs::write(&file, "database_ulr = \"x\"\n").unwrap();
        let err = Config::resolve(Given {
            database_url: None,
            data_dir: None,
            config_file: Some(file),
        })
        .unwrap_err();
        assert!(err.message.contains("database_ulr"), "{}", err.message);
    }

    #[test]
    fn audit_heads_go_beside_an_sqlite_database_unless_configured() {
        let config = Config::resolve(given(None, Some("/var/lib/sentei"))).unwrap();
        assert_eq!(
            config.audit.head_file,
            Some(PathBuf::from("/var/lib/sentei/audit-heads.log"))
        );
        assert!(config.audit.head_log);
        let config = Config::resolve(given(Some("postgres://u@db/sentei"), None)).unwrap();
        assert_eq!(config.audit.head_file, None, "set one for PostgreSQL");
        assert!(
            config.show().contains("書き出しません"),
            "{}",
            config.show()
        );
        let config =
            mail_from("[audit]\nhead_file = \"/srv/heads.log\"\nhead_log = false\n").unwrap();
        assert_eq!(
            config.audit.head_file,
            Some(PathBuf::from("/srv/heads.log"))
        );
        assert!(!config.audit.head_log);
        assert!(config.show().contains("head_file = \"/srv/heads.log\""));
        let config = mail_from("[audit]\nhead_file = \"\"\n").unwrap();
        assert_eq!(config.audit.head_file, None);
        assert!(mail_from("[audit]\nhead_fil = \"x\"\n").is_err());
    }

    fn mail_from(text: &str) -> Result<Config, Failure> {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sentei.toml");
        std::fs::write(&file, text).unwrap();
        Config::resolve(Given {
            database_url: None,
            data_dir: None,
            config_file: Some(file),
        })
    }

    #[test]
    fn mail_settings_are_checked_and_the_password_never_shown() {
        let config = mail_from(
            "[mail]\nenabled = true\nsmtp_host = \"smtp.example.lg.jp\"\nsmtp_port = 587\nstarttls = true\nusername = \"sentei\"\npassword = \"hunter2hunter2\"\nfrom = \"sentei@example.lg.jp\"\npublic_url = \"https://sentei.example.lg.jp/\"\ndigest_time = \"08:30\"\n",
        )
        .unwrap();
        assert!(config.mail.enabled && config.mail.starttls);
        assert_eq!(config.mail.port, 587);
        assert_eq!(
            config.mail.public_url.as_deref(),
            Some("https://sentei.example.lg.jp")
        );
        assert_eq!(
            (config.mail.digest_at.hour(), config.mail.digest_at.minute()),
            (8, 30)
        );
        let shown = config.show();
        assert!(shown.contains("password = \"***\""), "{shown}");
        assert!(!shown.contains("hunter2") && !format!("{config:?}").contains("hunter2"));
        for (text, words) in [
            ("[mail]\nenabled = true\nfrom = \"a@b.jp\"\n", "smtp_host"),
            (
                "[mail]\nenabled = true\nsmtp_host = \"h\"\nfrom = \"送信元\"\n",
                "from",
            ),
            (
                "[mail]\nusername = \"u\"\npassword = \"p\"\n",
                "starttls = true",
            ),
            ("[mail]\nusername = \"u\"\n", "両方"),
            ("[mail]\ndigest_time = \"8時\"\n", "digest_time"),
            ("[mail]\npublic_url = \"sentei.example\"\n", "public_url"),
            ("[mail]\nsmtp_hots = \"h\"\n", "smtp_hots"),
        ] {
            let err = mail_from(text).unwrap_err();
            assert!(err.message.contains(words), "{text}: {}", err.message);
        }
    }

    #[test]
    fn server_limits_have_defaults_and_are_checked() {
        let config = mail_from("").unwrap();
        assert_eq!(config.server.limits, sentei_web::ServerLimits::default());
        assert_eq!(config.server.upload_readers, sentei_web::DEFAULT_READERS);
        let config = mail_from(
            "[server]\nheader_read_timeout_seconds = 5\nidle_timeout_seconds = 3\nmax_connections = 64\nupload_readers = 1\n",
        )
        .unwrap();
        let limits = config.server.limits;
        assert_eq!(limits.header_read_timeout.as_secs(), 5);
        assert_eq!(limits.idle_timeout.as_secs(), 3);
        assert_eq!(limits.max_connections, 64);
        assert_eq!(config.server.upload_readers, 1);
        assert!(config.show().contains("max_connections = 64"));
        for (text, key) in [
            (
                "[server]\nheader_read_timeout_seconds = 0\n",
                "header_read_timeout_seconds は 1〜600（秒）",
            ),
            (
                "[server]\nmax_connections = 0\n",
                "max_connections は 1〜100000（接続）",
            ),
            (
                "[server]\nupload_readers = 100\n",
                "upload_readers は 1〜64（件）",
            ),
            ("[server]\nidle_timeout = 3\n", "idle_timeout"),
        ] {
            let err = mail_from(text).unwrap_err();
            assert!(err.message.contains(key), "{text}: {}", err.message);
        }
    }

    #[test]
    fn the_deployment_example_is_a_valid_configuration() {
        let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/sentei.toml");
        let config = Config::resolve(Given {
            database_url: None,
            data_dir: None,
            config_file: Some(file),
        })
        .unwrap();
        assert_eq!(config.server.limits, sentei_web::ServerLimits::default());
    }
}
