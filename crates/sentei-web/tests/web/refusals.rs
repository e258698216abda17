//! Issue 13, item 3: every refusal of a page's form is a Japanese page in the site's layout,
//! never the framework's English. Every POST route of the route table is sent a form with its
//! fields missing and one with malformed values; then the common refusals are checked to come
//! back with the form as typed and the field named.

use axum::body::Body;
use axum::http::{Method, Request, header};
use sentei_core::workflow::UserRole;
use sentei_web::{Access, Surface};

use crate::access::{concrete, specs};
use crate::harness::{Reply, Web, enc, hidden};

/// Values that do not parse where numbers and dates are expected; short texts elsewhere, so
/// that anything English the page shows stands out.
const MALFORMED: &str = "service_id=abc&assessment_id=abc&ledger_entry_id=abc&seen_assessment_version=abc&version=abc&days=abc&period_start=abc&period_end=abc&new_end=abc&on=abc&action=abc&kind=abc&role=abc&scope=abc&mode=abc&profile=abc&classification=abc&name=x&provider=x&purpose=x&user_scope=x&comment=x&reason=x&contact=x&department=x&email=x&preview=abc&rows=abc&file=abc&document=abc";

/// The words the framework's and serde's refusals are made of. Names people gave (login names,
/// mail addresses) and the documents' acronyms are not English sentences and may appear.
const FRAMEWORK_WORDS: [&str; 30] = [
    "failed",
    "deserialize",
    "invalid",
    "missing",
    "field",
    "parse",
    "cannot",
    "expected",
    "boundary",
    "request",
    "body",
    "unsupported",
    "error",
    "digit",
    "found",
    "string",
    "unknown",
    "variant",
    "integer",
    "the",
    "of",
    "at",
    "line",
    "column",
    "header",
    "json",
    "multipart",
    "payload",
    "length",
    "limit",
];

/// English words of the page's visible text that refusals are written in.
fn english_words(page: &str) -> Vec<String> {
    let main = page
        .split_once("<main id=\"main\">")
        .map_or(page, |(_, m)| m)
        .split("</main>")
        .next()
        .unwrap_or("");
    // The request id is a code people quote, not words.
    let main = match main.split_once("この番号をお知らせください:") {
        Some((before, after)) => {
            format!("{before}{}", after.split_once('<').map_or("", |(_, a)| a))
        }
        None => main.to_owned(),
    };
    let mut text = String::new();
    let mut in_tag = false;
    for c in main.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| FRAMEWORK_WORDS.contains(&w.to_ascii_lowercase().as_str()))
        .map(str::to_owned)
        .collect()
}

fn in_layout(reply: &Reply, signed_in: Option<&str>) -> Result<(), String> {
    let body = &reply.body;
    if !(body.contains("<html lang=\"ja\">")
        && body.contains("<header class=\"top\">")
        && body.contains("<main id=\"main\">"))
    {
        return Err("not in the site's layout".to_owned());
    }
    if let Some(name) = signed_in
        && !body.contains(name)
    {
        return Err(format!("the header does not show {name}"));
    }
    for phrase in [
        "Failed to deserialize",
        "Invalid URL",
        "Cannot parse",
        "missing field",
        "Missing required",
        "invalid digit",
        "boundary",
    ] {
        if body.contains(phrase) {
            return Err(format!("framework text: {phrase}"));
        }
    }
    let english = english_words(body);
    if !english.is_empty() {
        return Err(format!("English on the page: {english:?}"));
    }
    Ok(())
}

#[tokio::test]
async fn issue_13_every_post_route_refuses_missing_and_malformed_forms_in_japanese() {
    let web = Web::new().await;
    let mut wrong = Vec::new();
    let mut tried = 0;
    for spec in specs(&web) {
        if spec.surface != Surface::Page || spec.method != Method::POST {
            continue;
        }
        let path = concrete(&web, spec.path);
        // Someone the route lets in, so that the form is what is judged.
        let role = web
            .actors
            .iter()
            .find(|(_, actor)| spec.access.allows(actor))
            .map(|(role, _)| *role)
            .unwrap();
        for (what, fields) in [("missing", ""), ("malformed", MALFORMED)] {
            let mut request = Request::post(&path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            let (csrf, name) = match spec.access {
                Access::VendorLink => {
                    let token = path
                        .trim_start_matches("/vendor/")
                        .split('/')
                        .next()
                        .unwrap();
                    (sentei_web::vendor_csrf(token), None)
                }
                Access::Public => (String::new(), None),
                _ => {
                    let (cookie, csrf) = web.session(role).await;
                    request = request.header(header::COOKIE, cookie);
                    (csrf, web.actor(role).display_name().to_owned().into())
                }
            };
            let body = if fields.is_empty() {
                format!("csrf={csrf}")
            } else {
                format!("csrf={csrf}&{fields}")
            };
            let reply = web.send(request.body(Body::from(body)).unwrap()).await;
            tried += 1;
            let verdict = match reply.status {
                // Done, or sent on to a page of the site: nothing to show here.
                303 => match reply.headers.get(header::LOCATION) {
                    Some(to) if to.to_str().unwrap().starts_with('/') => Ok(()),
                    _ => Err("redirected off the site".to_owned()),
                },
                _ => in_layout(&reply, name.as_deref()),
            };
            if let Err(problem) = verdict {
                wrong.push(format!("POST {path} ({what}): {} {problem}", reply.status));
            }
        }
    }
    assert!(tried > 60, "only {tried} requests");
    assert!(
        wrong.is_empty(),
        "refusals not in Japanese in the layout:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test]
async fn issue_13_a_missing_field_comes_back_with_the_form_as_typed() {
    let web = Web::new().await;
    // The service page's application form without its purpose.
    let reply = web
        .post(
            UserRole::Applicant,
            "/applications",
            &format!(
                "service_id={}&assessment_id=1&user_scope={}&period_start=2026-04-01&period_end=2027-03-31",
                web.service,
                enc("市民課に限る")
            ),
        )
        .await;
    assert_eq!(reply.status, 422);
    in_layout(&reply, Some("tanaka さん")).unwrap();
    assert!(
        reply
            .body
            .contains("「(ウ) 利用目的（業務内容）」が入力されていません")
    );
    assert!(
        reply.body.contains("value=\"市民課に限る\""),
        "typed values stay"
    );
    assert!(reply.body.contains("action=\"/applications\""));
    assert!(reply.body.contains("aria-invalid=\"true\""));
    assert_eq!(
        hidden(&reply.body, "service_id").as_deref(),
        Some(web.service.to_string().as_str())
    );
    // A version that is not a number: the form again, the person told to reload.
    let reply = web
        .post(
            UserRole::Approver,
            &format!("/ledger/{}/extend", web.ledger),
            "version=abc&new_end=2028-03-31",
        )
        .await;
    assert_eq!(reply.status, 422);
    in_layout(&reply, Some("suzuki さん")).unwrap();
    assert!(reply.body.contains("元のページを開き直して"));
    assert!(reply.body.contains("value=\"2028-03-31\""));
}

#[tokio::test]
async fn issue_13_a_bad_date_is_refused_beside_the_form_it_was_typed_in() {
    let web = Web::new().await;
    let assessment = crate::harness::fresh_assessment(&web).await;
    let reply = web
        .post(
            UserRole::Applicant,
            "/applications",
            &format!(
                "service_id={}&assessment_id={assessment}&purpose={}&user_scope={}&period_start=2026-13-01&period_end=2027-03-31",
                web.service,
                enc("窓口での予約受付"),
                enc("市民課")
            ),
        )
        .await;
    assert_eq!(reply.status, 422);
    in_layout(&reply, Some("tanaka さん")).unwrap();
    assert!(
        reply
            .body
            .contains("(オ) 利用期間の開始日を 2026-04-01 の形で入力してください")
    );
    assert!(reply.body.contains(">窓口での予約受付</textarea>"));
    assert!(reply.body.contains("value=\"2026-13-01\""));
    assert!(
        reply
            .body
            .contains(&format!("value=\"{assessment}\" selected"))
    );

    // The ledger's direct records: the date as typed, the message beside its own form.
    let page = web
        .get(Some(UserRole::Approver), &format!("/ledger/{}", web.ledger))
        .await;
    let version = hidden(&page.body, "version").unwrap();
    let reply = web
        .post(
            UserRole::Approver,
            &format!("/ledger/{}/abolish", web.ledger),
            &format!("version={version}&on=R8.4.1&comment={}", enc("利用終了")),
        )
        .await;
    assert_eq!(reply.status, 422);
    in_layout(&reply, Some("suzuki さん")).unwrap();
    assert!(
        reply
            .body
            .contains("廃止日を 2026-04-01 の形で入力してください")
    );
    assert!(reply.body.contains("value=\"R8.4.1\""));
    assert!(reply.body.contains("value=\"利用終了\""));
}

#[tokio::test]
async fn issue_13_unknown_ids_and_forbidden_pages_keep_the_users_layout() {
    let web = Web::new().await;
    for path in ["/applications/abc", "/applications/99999", "/ledger/x1"] {
        let reply = web.get(Some(UserRole::Applicant), path).await;
        assert!(
            matches!(reply.status, 400 | 404),
            "{path}: {}",
            reply.status
        );
        in_layout(&reply, Some("tanaka さん")).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let reply = web.get(Some(UserRole::Applicant), "/users").await;
    assert_eq!(reply.status, 403);
    in_layout(&reply, Some("tanaka さん")).unwrap();
}
