//! `sentei notify`: tells departments of ledger entries nearing or past their end, and mails
//! the notifications that are due through the municipality's SMTP relay, for a cron job or a
//! systemd timer. `--dry-run` prints what would be sent and changes nothing but the in-app
//! list.
//!
//! Each mail is claimed in the database (`sending`) only after the relay has accepted its
//! envelope and just before the message is handed over, and marked `sent` when the relay says
//! it has it. A sender killed before the claim leaves the mail due: the relay never had it, so
//! the next run sends it. A sender killed after the claim leaves it `sending`: the relay may
//! have it, so it is not sent again by itself; the run reports it, and `--resend-uncertain`
//! sends it again once a person has checked the relay's log (docs/adr/0009-notifications.md).

use std::fmt::Write as _;

use lettre::Address;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{AsyncSmtpConnection, Certificate, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::ClientId;
use sentei_core::notify::{self, Notice};
use sentei_store::{MailJob, MailOutcome, Store};
use time::OffsetDateTime;

use super::{open, store_failure};
use crate::config::{Config, MailConfig};
use crate::failure::Failure;

pub async fn notify(
    config: &Config,
    dry_run: bool,
    resend_uncertain: bool,
) -> Result<String, Failure> {
    let store = open(config).await?;
    let mail = &config.mail;
    let mut out = String::new();
    let today = super::records::today_in_japan();
    let told = store
        .notify_expiring(today)
        .await
        .map_err(|e| store_failure(&e))?;
    if told > 0 {
        let _ = writeln!(
            out,
            "利用期間の終了が近い・過ぎた台帳の項目について、お知らせを {told} 件作りました。"
        );
    }
    if resend_uncertain && !dry_run {
        let released = store
            .release_uncertain_mail()
            .await
            .map_err(|e| store_failure(&e))?;
        let _ = writeln!(
            out,
            "送ったか確かめられなかったメール {released} 通を、もう一度送ります。"
        );
    }
    if !dry_run {
        store.mail_unwanted().await.map_err(|e| store_failure(&e))?;
    }
    let jobs = store
        .mail_due(digest_cutoff(mail, OffsetDateTime::now_utc()))
        .await
        .map_err(|e| store_failure(&e))?;
    if dry_run {
        out.push_str(&preview(mail, &jobs)?);
    } else if !mail.enabled {
        let _ = writeln!(
            out,
            "メールの送信は設定で無効です（設定ファイルの [mail] に enabled = true を書くと送ります）。送る予定のメールは {} 通です。",
            jobs.len()
        );
    } else if jobs.is_empty() {
        out.push_str("送るメールはありません。\n");
    } else {
        out.push_str(&send_all(&store, mail, &jobs).await?);
    }
    let uncertain = store
        .uncertain_mail()
        .await
        .map_err(|e| store_failure(&e))?;
    if !uncertain.is_empty() {
        let mut warning = format!(
            "sentei: 送信の途中で止まったため、届いたか確かめられないメールが {} 通あります。二重に届かないよう、自動では送り直しません。メールサーバーの記録を確かめ、届いていなければ sentei notify --resend-uncertain で送り直してください。",
            uncertain.len()
        );
        for mail in &uncertain {
            let _ = write!(warning, "\n  {}（{}）: {}", mail.id, mail.login, mail.title);
        }
        eprintln!("{warning}");
    }
    Ok(out)
}

/// The latest daily sending time already past: a digest carries what was written before it.
fn digest_cutoff(mail: &MailConfig, now: OffsetDateTime) -> OffsetDateTime {
    let jst = time::UtcOffset::from_hms(9, 0, 0).unwrap_or(time::UtcOffset::UTC);
    let local = now.to_offset(jst);
    let today = local.date().with_time(mail.digest_at).assume_offset(jst);
    if today <= now {
        today
    } else {
        today - time::Duration::days(1)
    }
}

/// The mail of a job: the subject and body, in Japanese.
fn words(mail: &MailConfig, job: &MailJob) -> notify::Mail {
    let link = |path: &str| mail.public_url.as_ref().map(|base| format!("{base}{path}"));
    let notices: Vec<(Option<String>, &sentei_store::NotificationView)> =
        job.notices.iter().map(|n| (link(&n.link), n)).collect();
    let notices: Vec<Notice<'_>> = notices
        .iter()
        .map(|(link, n)| Notice {
            title: &n.title,
            body: &n.body,
            link: link.clone(),
            at: n.created_at,
        })
        .collect();
    match notices.as_slice() {
        [one] if !job.digest => notify::single_mail(&job.name, one),
        _ => notify::digest_mail(&job.name, super::records::today_in_japan(), &notices),
    }
}

/// What would be sent, for `--dry-run`.
fn preview(mail: &MailConfig, jobs: &[MailJob]) -> Result<String, Failure> {
    let mut out = String::new();
    if !mail.enabled {
        out.push_str("（メールの送信は設定で無効です。有効にすると、次のメールを送ります）\n");
    }
    let _ = writeln!(out, "送る予定のメール: {} 通", jobs.len());
    for job in jobs {
        let words = words(mail, job);
        let _ = write!(
            out,
            "\n----\n宛先: {} <{}>（{}）\n件名: {}\n\n{}",
            job.name,
            job.email,
            if job.digest {
                "1 日 1 回のまとめ"
            } else {
                "お知らせごと"
            },
            words.subject,
            words.body
        );
    }
    Ok(out)
}

/// How a job's mail ended, for the report.
#[derive(Default)]
struct Tally {
    sent: usize,
    deferred: usize,
    failed: usize,
    taken: usize,
}

async fn send_all(store: &Store, mail: &MailConfig, jobs: &[MailJob]) -> Result<String, Failure> {
    let mut connection = connect(mail).await?;
    let mut tally = Tally::default();
    for job in jobs {
        let result = send_one(store, mail, &mut connection, job, &mut tally).await;
        if let Err(failure) = result {
            // The connection is in no state to go on; what is left stays due.
            connection.abort().await;
            return Err(failure);
        }
    }
    let _ = connection.quit().await;
    let mut out = format!("メールを {} 通送りました。", tally.sent);
    if tally.deferred > 0 {
        let _ = write!(
            out,
            "{} 通はメールサーバーが一時的に受け付けなかったため、次の実行で送ります。",
            tally.deferred
        );
    }
    if tally.failed > 0 {
        let _ = write!(
            out,
            "{} 通はメールサーバーが受け付けませんでした（宛先を確かめてください）。",
            tally.failed
        );
    }
    if tally.taken > 0 {
        let _ = write!(out, "{} 通はほかの送信が先に送りました。", tally.taken);
    }
    out.push('\n');
    Ok(out)
}

/// How one exchange with the relay ended badly.
enum Step {
    /// The relay answered no (4xx for now, 5xx for good): it does not have what was asked.
    Refused { permanent: bool, message: String },
    /// No answer in time, or the connection broke: nothing is known.
    Broken(String),
}

/// One exchange with the relay, bounded by the configured timeout (lettre bounds only the
/// connection itself, not a relay that stops answering after STARTTLS).
async fn step<T>(
    mail: &MailConfig,
    exchange: impl std::future::Future<Output = Result<T, lettre::transport::smtp::Error>>,
) -> Result<T, Step> {
    match tokio::time::timeout(mail.timeout, exchange).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) if error.is_permanent() || error.is_transient() => Err(Step::Refused {
            permanent: error.is_permanent(),
            message: error.to_string(),
        }),
        Ok(Err(error)) => Err(Step::Broken(error.to_string())),
        Err(_) => Err(Step::Broken(format!(
            "{} 秒待っても応答がありません",
            mail.timeout.as_secs()
        ))),
    }
}

/// Sends one job's mail over the connection. A refusal of the relay is recorded and the run
/// goes on; a broken connection ends the run.
async fn send_one(
    store: &Store,
    mail: &MailConfig,
    connection: &mut AsyncSmtpConnection,
    job: &MailJob,
    tally: &mut Tally,
) -> Result<(), Failure> {
    let broken = |e: &str| {
        Failure::internal(format!(
            "メールサーバー {}:{} との通信が途切れました（{e}）。残りのメールは次の実行で送ります",
            mail.host, mail.port
        ))
    };
    let (from, to, message) = match compose(mail, job) {
        Ok(parts) => parts,
        Err(error) => {
            store
                .defer_mail(job, &error, true)
                .await
                .map_err(|e| store_failure(&e))?;
            tally.failed += 1;
            return Ok(());
        }
    };
    // The envelope first: a refusal here means the relay has nothing.
    let envelope = async {
        step(mail, connection.command(Mail::new(Some(from), Vec::new()))).await?;
        step(mail, connection.command(Rcpt::new(to, Vec::new()))).await
    };
    match envelope.await {
        Ok(_) => {}
        Err(Step::Refused { permanent, message }) => {
            let _ = step(mail, connection.command(Rset)).await;
            store
                .defer_mail(job, &message, permanent)
                .await
                .map_err(|e| store_failure(&e))?;
            if permanent {
                tally.failed += 1;
            } else {
                tally.deferred += 1;
            }
            return Ok(());
        }
        Err(Step::Broken(message)) => return Err(broken(&message)),
    }
    // Claimed now, before the message is handed over: from here on it is never sent twice.
    if !store.claim_mail(job).await.map_err(|e| store_failure(&e))? {
        let _ = step(mail, connection.command(Rset)).await;
        tally.taken += 1;
        return Ok(());
    }
    match step(mail, connection.command(Data)).await {
        Ok(_) => {}
        // Refused, or no answer, before any of the message went: not delivered, due again.
        Err(Step::Refused { permanent, message }) => {
            let outcome = if permanent {
                tally.failed += 1;
                MailOutcome::Failed(message)
            } else {
                tally.deferred += 1;
                MailOutcome::Retry(message)
            };
            store
                .finish_mail(job, &outcome)
                .await
                .map_err(|e| store_failure(&e))?;
            let _ = step(mail, connection.command(Rset)).await;
            return Ok(());
        }
        Err(Step::Broken(message)) => {
            store
                .finish_mail(job, &MailOutcome::Retry(message.clone()))
                .await
                .map_err(|e| store_failure(&e))?;
            return Err(broken(&message));
        }
    }
    match step(mail, connection.message(&message)).await {
        Ok(_) => {
            store
                .finish_mail(job, &MailOutcome::Sent)
                .await
                .map_err(|e| store_failure(&e))?;
            tally.sent += 1;
            Ok(())
        }
        // The relay answered no: it does not have the message.
        Err(Step::Refused { permanent, message }) => {
            let outcome = if permanent {
                tally.failed += 1;
                MailOutcome::Failed(message)
            } else {
                tally.deferred += 1;
                MailOutcome::Retry(message)
            };
            store
                .finish_mail(job, &outcome)
                .await
                .map_err(|e| store_failure(&e))?;
            Ok(())
        }
        // No answer: the relay may have it. It stays `sending`, reported, never resent by
        // itself.
        Err(Step::Broken(message)) => Err(broken(&message)),
    }
}

/// The envelope and the message of a job.
fn compose(mail: &MailConfig, job: &MailJob) -> Result<(Address, Address, Vec<u8>), String> {
    let from: Address = mail
        .from
        .parse()
        .map_err(|e| format!("送信元 {} を使えません（{e}）", mail.from))?;
    let to: Address = job
        .email
        .parse()
        .map_err(|e| format!("宛先 {} を使えません（{e}）", job.email))?;
    let words = words(mail, job);
    // The same mail always has the same Message-ID, so that a copy sent again after a
    // person's decision can be recognized as the same.
    let first = job.notices.first().map_or(0, |n| n.id);
    let domain = mail.from.rsplit_once('@').map_or("localhost", |(_, d)| d);
    let message = Message::builder()
        .from(Mailbox::new(Some("sentei".to_owned()), from.clone()))
        .to(Mailbox::new(Some(job.name.clone()), to.clone()))
        .subject(words.subject)
        .message_id(Some(format!(
            "<sentei.{}.{}.{}@{domain}>",
            job.org_id,
            first,
            job.notices.len()
        )))
        .header(ContentType::TEXT_PLAIN)
        .body(words.body)
        .map_err(|e| format!("メールを作れません（{e}）"))?;
    Ok((from, to, message.formatted()))
}

/// A connection to the relay: STARTTLS when configured (and then required), signed in when
/// there are credentials. The password goes to the relay only, never to a message or a log.
async fn connect(mail: &MailConfig) -> Result<AsyncSmtpConnection, Failure> {
    let place = format!("{}:{}", mail.host, mail.port);
    let failed = |e: &str| {
        Failure::internal(format!(
            "メールサーバー {place} に接続できません（{e}）。メールは送らずに残しています"
        ))
    };
    let hello = ClientId::Domain(mail.helo_name.clone());
    let mut connection = match step(
        mail,
        AsyncSmtpConnection::connect_tokio1(
            (mail.host.as_str(), mail.port),
            Some(mail.timeout),
            &hello,
            None,
            None,
        ),
    )
    .await
    {
        Ok(connection) => connection,
        Err(Step::Refused { message, .. } | Step::Broken(message)) => {
            return Err(failed(&message));
        }
    };
    if mail.starttls {
        if !connection.can_starttls() {
            connection.abort().await;
            return Err(Failure::internal(format!(
                "メールサーバー {place} が STARTTLS に対応していないため、送りません（starttls = true）"
            )));
        }
        let mut tls = TlsParameters::builder(mail.host.clone());
        if let Some(path) = &mail.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                Failure::file(
                    &path.display().to_string(),
                    format!("CA 証明書を読めません（{e}）"),
                )
            })?;
            let certificate = Certificate::from_pem(&pem).map_err(|e| {
                Failure::file(
                    &path.display().to_string(),
                    format!("CA 証明書として読めません（{e}）"),
                )
            })?;
            tls = tls.add_root_certificate(certificate);
        }
        let tls = tls.build_rustls().map_err(|e| failed(&e.to_string()))?;
        match step(mail, connection.starttls(tls, &hello)).await {
            Ok(()) => {}
            Err(Step::Refused { message, .. } | Step::Broken(message)) => {
                return Err(failed(&message));
            }
        }
    }
    if let Some((user, password)) = &mail.credentials {
        let credentials = Credentials::new(user.clone(), password.expose().to_owned());
        let signed_in = step(
            mail,
            connection.auth(&[Mechanism::Plain, Mechanism::Login], &credentials),
        )
        .await;
        // The relay's own words are left out: some repeat what was sent.
        let why = match signed_in {
            Ok(_) => None,
            Err(Step::Refused { .. }) => Some("受け付けられませんでした".to_owned()),
            Err(Step::Broken(message)) => Some(message),
        };
        if let Some(why) = why {
            return Err(Failure::internal(format!(
                "メールサーバー {place} にログインできません（{why}）。username と password を確かめてください"
            )));
        }
    }
    Ok(connection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_digest_carries_what_was_written_before_the_latest_daily_time() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("sentei.toml");
        std::fs::write(&file, "[mail]\ndigest_time = \"08:30\"\n").unwrap();
        let config = Config::resolve(crate::config::Given {
            database_url: None,
            data_dir: None,
            config_file: Some(file),
        })
        .unwrap();
        // 08:29 in Japan is before today's time: yesterday's 08:30.
        assert_eq!(
            digest_cutoff(&config.mail, datetime!(2027-03-01 23:29 UTC)),
            datetime!(2027-03-01 08:30 +9)
        );
        assert_eq!(
            digest_cutoff(&config.mail, datetime!(2027-03-01 23:31 UTC)),
            datetime!(2027-03-02 08:30 +9)
        );
    }
}
