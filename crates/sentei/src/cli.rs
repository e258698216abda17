//! The command-line interface: commands, options and their help, in plain Japanese words
//! (`help.rs` puts clap's own headings and messages into Japanese as well).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// sentei（選定）: 外部サービスを自団体の情報に使ってよいかを、自団体の基準に照らして判断します。
#[derive(Debug, Parser)]
#[command(name = "sentei", version, long_about = None)]
pub struct Cli {
    /// このフォルダの基準ファイル (*.yaml) も読み込みます。組み込みの基準と同じ id の基準は
    /// それに置き換わるので、改訂版をそのまま使えます
    #[arg(long, global = true, value_name = "DIR", env = "SENTEI_PROFILES_DIR")]
    pub profiles_dir: Option<PathBuf>,

    /// データベース: sqlite://パス または postgres://利用者:パスワード@ホスト/DB。指定がなければ
    /// データフォルダの SQLite ファイル
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "SENTEI_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// データフォルダ。既定の SQLite データベースを置きます。指定がなければ ./sentei-data
    ///
    #[arg(long, global = true, value_name = "DIR", env = "SENTEI_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// database_url と data_dir を書いた TOML の設定ファイル。オプションと環境変数で指定がない
    /// ものに使います
    #[arg(long, global = true, value_name = "FILE", env = "SENTEI_CONFIG")]
    pub config: Option<PathBuf>,

    /// 組織（自治体）のコード。データベースに複数の組織があるときだけ必要です
    #[arg(long, global = true, value_name = "CODE", env = "SENTEI_ORG")]
    pub org: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// サービスを基準に照らして判定し、すべての項目について理由を示します
    ///
    /// 評価ファイルは YAML か JSON です（docs/assessment-contract.md）。`-` で標準入力から読みます。
    /// 判定できたときは判定によらず終了コード 0、入力に誤りがあるときは行とキーを示して 2 です。
    Assess {
        /// 評価ファイル。`-` で標準入力
        file: PathBuf,
        /// table は人が読む表（日本語）、json はプログラム向け。指定がなければ端末では table、
        /// それ以外では json
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// Excel のチェックシート（事業者や担当課に記入してもらうもの）
    #[command(subcommand)]
    Sheet(SheetCommand),
    /// 使える基準の一覧を表示します
    Profiles,
    /// 基準を表示する・検査する
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// データベースの準備
    #[command(subcommand)]
    Db(DbCommand),
    /// 動いている SQLite データベースの一貫した写しをファイルに書き出します（ファイルはまだない
    /// ものを指定してください）
    Backup {
        /// 書き出すファイル
        file: PathBuf,
    },
    /// バックアップ（sentei backup で書き出したもの）を、データベースに戻します。サーバーを止めて
    /// から実行してください。バックアップを確かめてから一度に置き換えるので、失敗しても
    /// いまのデータベースはそのままです
    Restore {
        /// バックアップのファイル
        file: PathBuf,
        /// いまのデータベースを置き換えることを確かめた
        #[arg(long)]
        force: bool,
    },
    /// 組織（自治体）を追加する・一覧を表示する
    #[command(subcommand)]
    Org(OrgCommand),
    /// 利用者を追加する・一覧を表示する・役割やパスワードを変える
    #[command(subcommand)]
    User(UserCommand),
    /// 外部サービス利用台帳
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// 監査記録を検証する
    #[command(subcommand)]
    Audit(AuditCommand),
    /// 使われている設定を表示する（パスワードは伏せます）
    #[command(subcommand)]
    Config(ConfigCommand),
    /// お知らせをメールで送ります（cron や systemd のタイマーで数分ごとに実行してください）
    ///
    /// 利用期間の終了が 90 日以内の台帳の項目と期限切れの項目を所属の課に知らせ、送る時が来たメール
    /// （お知らせごと、または 1 日 1 回のまとめ）を設定ファイルの [mail] のメールサーバーで送ります。
    /// 送信の途中で止まって届いたか確かめられないメールは、二重に届かないよう自動では送り直しません。
    Notify {
        /// 送るメールの宛先・件名・本文を表示するだけで、送りません
        #[arg(long)]
        dry_run: bool,
        /// 届いたか確かめられないメールを、もう一度送ります（メールサーバーの記録で届いていない
        /// ことを確かめてから使ってください）
        #[arg(long)]
        resend_uncertain: bool,
    },
    /// デモの自治体をデータベースに入れる
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Web アプリケーション（日本語の画面と /api/v1 の JSON API）を起動します
    ///
    /// 利用者のいないデータベースでは、まず組織と管理者 admin を作り、その初期パスワードを一度だけ
    /// 表示します（環境変数 SENTEI_ADMIN_PASSWORD で指定することもできます）。
    Serve {
        /// 待ち受けるアドレスとポート
        #[arg(long, default_value = "127.0.0.1:8080", env = "SENTEI_LISTEN")]
        listen: String,
        /// デモの自治体（コード demo）と、役割ごとの利用者も入れる。利用者のいないデータベース
        /// では、デモの自治体だけを作ります（管理者は demo-admin）
        #[arg(long)]
        demo: bool,
        /// 利用者がアクセスするアドレス（例: https://sentei.example.lg.jp）。フォームの送信元の確認に
        /// 使い、https なら Cookie に Secure を付けます
        #[arg(long, env = "SENTEI_PUBLIC_URL")]
        public_url: Option<String>,
        /// 初回の起動で作る組織の名前
        #[arg(long, default_value = "（組織名を設定してください）")]
        org_name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SheetCommand {
    /// 評価ファイルのチェックシート (.xlsx) を書き出します。回答・理由・根拠の欄だけを記入でき
    /// ます。データベースは使いません
    Export {
        /// 評価ファイル（YAML か JSON）。`-` で標準入力
        file: PathBuf,
        /// 書き出すブック
        #[arg(short, long, value_name = "SHEET.xlsx")]
        output: PathBuf,
        /// すべての項目を載せる（適用されない項目は理由つきで灰色）。指定がなければ適用される
        /// 項目だけ
        #[arg(long)]
        all: bool,
        /// 書き出すファイルがすでにあれば上書きする
        #[arg(long)]
        force: bool,
    },
    /// 記入済みのチェックシートを、sentei assess が読める評価ファイルに戻します。読めないときは
    /// 問題をセルごとに示して終了コード 2 で、ファイルは書きません
    Import {
        /// 記入済みのブック
        sheet: PathBuf,
        /// 書き出す評価ファイル (YAML)
        #[arg(short, long, value_name = "ASSESSMENT.yaml")]
        output: PathBuf,
        /// 書き出すファイルがすでにあれば上書きする
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// スキーマを作る・最新にし、保存されている評価を現在の基準で判定し直して、したことを
    /// 表示します
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// 組織を追加します: コマンドで使う短いコード（例: shunan）と名前（例: 周南市）
    Add {
        /// コマンドで使う短いコード（英小文字・数字）
        code: String,
        /// 組織の名前
        name: String,
    },
    /// 組織の一覧を表示します
    List,
    /// 組織の名称を変えます（コードは変わりません）。組織が複数あるときは --org で指定します
    Rename {
        /// 新しい名称（例: 周南市）
        name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// 利用者を追加します。--password-stdin がなければパスワードを作り、一度だけ表示します
    Add {
        /// ログイン名（英数字）
        login: String,
        /// 氏名（例: 周南 太郎）
        #[arg(long)]
        name: String,
        /// 所属（例: 情報政策課）
        #[arg(long)]
        department: String,
        /// 役割
        #[arg(long, value_enum)]
        role: RoleArg,
        /// パスワードを標準入力の 1 行目から読む
        #[arg(long)]
        password_stdin: bool,
    },
    /// 組織の利用者の一覧を表示します
    List {
        /// table は人が読む表、csv は Excel がそのまま開く CSV（UTF-8、BOM つき）。CSV は
        /// 編集して sentei user import で読み込めます
        #[arg(long, value_enum, default_value = "table")]
        format: UserListFormat,
    },
    /// 利用者の役割を変えます
    SetRole {
        /// ログイン名
        login: String,
        /// 新しい役割
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// 利用者のパスワードを設定します。--password-stdin がなければパスワードを作り、一度だけ
    /// 表示します
    Passwd {
        /// ログイン名
        login: String,
        /// パスワードを標準入力の 1 行目から読む
        #[arg(long)]
        password_stdin: bool,
    },
    /// 利用者を無効にします（退職・異動など）。ログインできなくなり、その人のセッションと
    /// API トークンはすべてすぐに終わります。最後の有効なシステム管理者は無効にできません
    Deactivate {
        /// ログイン名
        login: String,
    },
    /// 無効にした利用者を有効に戻します（パスワードはそのまま。終わったセッションとトークンは
    /// 戻りません）
    Activate {
        /// ログイン名
        login: String,
    },
    /// 利用者の氏名・所属・メールアドレスを変えます（指定したものだけ）
    Edit {
        /// ログイン名
        login: String,
        /// 氏名
        #[arg(long)]
        name: Option<String>,
        /// 所属
        #[arg(long)]
        department: Option<String>,
        /// メールアドレス（空の文字列でなしにします）
        #[arg(long)]
        email: Option<String>,
    },
    /// 人事異動などで、利用者をファイル（CSV か .xlsx）からまとめて追加・変更します
    ///
    /// 列は見出しで見分けます: ログイン名・氏名・所属・役割（必須）、メールアドレス・状態
    /// （有効／無効、任意）。ファイルにない利用者は変えません。問題のある行が 1 行でもあれば、
    /// すべての行と理由を示し、何も変えずに終了コード 2 で終わります。追加した利用者の初期
    /// パスワードは一度だけ表示します
    Import {
        /// 利用者のファイル（sentei user list --format csv の形）
        file: PathBuf,
        /// 追加・変更する内容を示すだけで、変えない
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UserListFormat {
    Table,
    Csv,
}

/// 役割（情報セキュリティポリシーの呼び方で）
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// 情報セキュリティ管理者（申請する課）: サービスの登録と申請
    Applicant,
    /// 情報システム管理者（承認する課）: 審査・承認と台帳
    Approver,
    /// 統括情報セキュリティ責任者: 例外の承認
    Ciso,
    /// 監査担当者: すべてを閲覧し、何も変えません
    Auditor,
    /// システム管理者: 利用者とバックアップ
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// 台帳の記載を一覧にします（利用中のもの。--include-abolished で廃止したものも）
    List {
        /// 利用期間の終わりが今日（日本時間）から指定の日数以内のものと、すでに終わったもの
        /// （期限切れ）だけ。終わりの早いものから
        #[arg(long, value_name = "DAYS")]
        expiring: Option<u16>,
        /// サービス名か事業者名にこの文字を含むものだけ
        #[arg(long, value_name = "TEXT", default_value = "")]
        search: String,
        /// 廃止した記載も含める
        #[arg(long)]
        include_abolished: bool,
        /// table は人が読む表、csv は Excel がそのまま開く CSV（UTF-8、BOM つき）、csv-cp932 は
        /// Shift_JIS の CSV（表せない文字は 〓）、xlsx は Excel のブック（ファイルに書き出して
        /// ください）、json はプログラム向け
        #[arg(long, value_enum, default_value = "table")]
        format: LedgerFormat,
    },
    /// これまでの台帳を取り込みます: CSV（UTF-8・Shift_JIS・UTF-16）か Excel のブック (.xlsx)。
    /// 列は見出しで見分け、日付は西暦も和暦も読みます。全行を登録するか、1 行も登録しないかの
    /// どちらかです。読めない行があれば、その行と理由を示し、何も変えずに終了コード 2 で終わり
    /// ます。台帳にすでにある記載は二重に登録しません
    Import {
        /// 台帳のファイル
        file: PathBuf,
        /// 登録した人として記録する情報システム管理者（承認する課）のログイン名
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// 登録するものと読めない行を示すだけで、登録はしない
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    Table,
    Csv,
    #[value(name = "csv-cp932")]
    CsvCp932,
    Xlsx,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// 組織ごとに監査記録のハッシュの鎖を計算し直し、書き出された末尾（設定の [audit] head_file）と
    /// 比べ、利用者・台帳・申請・評価の今の内容を監査記録が最後に記録した状態と比べます。鎖が
    /// 保たれていなければ最初に書き換えられた・消された・並べ替えられた記録を、末尾が切り取られて
    /// いればそのことを、監査記録なしに変えられた行があればその行と項目を示して、終了コード 1 です
    Verify {
        /// 鎖の末尾がこのハッシュ（以前の実行で表示されたもの）であることも確かめます。末尾から
        /// 切り取られた記録を見つけられます
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
        /// 末尾を書き出したファイル（別のサーバーに保管した写しなど）。既定は設定の head_file です
        #[arg(long, value_name = "FILE")]
        head_file: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// 使われている設定と、それぞれの値がどこから来たかを表示します
    Show,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// デモの自治体（コード demo）と役割ごとの利用者を作り、手続のそれぞれの状態のサービスを
    /// 入れます。登録したサービスごとに 1 行を表示します
    Load {
        /// 作るサービスの数
        #[arg(long, default_value_t = 12)]
        services: u32,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// 基準の項目を、水準・適用条件・出典とともに表示します
    Show {
        /// 基準の id（例: city-checklist）
        id: String,
    },
    /// 基準ファイルを検査し、問題をすべて示します。問題があれば終了コード 2 です
    Check {
        /// 基準ファイル (YAML)
        file: PathBuf,
    },
    /// 共有の管理策の一覧と、それを尋ねている各基準の項目を表示します
    Controls,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
