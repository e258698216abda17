//! A web application on a fresh SQLite file, with a municipality, a user for every role and one
//! of everything (service, assessment, application, ledger entry), and requests sent through
//! the router without a socket.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Request, Response, header};
use sentei_core::assessment::Catalog;
use sentei_core::builtin_profiles;
use sentei_core::workflow::{Action, UserRole};
use sentei_store::{Actor, DatabaseUrl, NewApplication, NewService, NewUser, Store};
use sentei_web::{AppState, WebConfig};
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// The public URL of the fixture's server.
pub const ORIGIN: &str = "http://sentei.example.lg.jp";

pub const APPROVABLE: &str = "profile: city-checklist\nservice: { name: x, provider: y }\nfacts: { classification: \"2\", certifications: [ismap] }\nanswers: { default: met }\n";

/// The same assessment as JSON, for the API.
pub const APPROVABLE_JSON: &str = r#"{"profile": "city-checklist", "service": {"name": "x", "provider": "y"}, "facts": {"classification": "2", "certifications": ["ismap"]}, "answers": {"default": "met"}}"#;

pub struct Web {
    pub app: Router,
    pub store: Store,
    pub catalog: Arc<Catalog>,
    pub actors: Vec<(UserRole, Actor)>,
    pub service: i64,
    pub assessment: i64,
    pub application: i64,
    pub ledger: i64,
    /// A valid vendor answer link's token, for the fixture's assessment.
    pub vendor_token: String,
    /// Evidence files attached to the fixture's assessment by staff and by the vendor.
    pub attachment: i64,
    pub vendor_attachment: i64,
    _dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: u16,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for downloads that are not text.
    pub bytes: Vec<u8>,
}

impl Web {
    pub async fn new() -> Web {
        // As it is configured where links are made: the address people use is known.
        Web::with_config(WebConfig {
            secure_cookies: false,
            public_origin: Some(ORIGIN.to_owned()),
            ..Default::default()
        })
        .await
    }

    pub async fn with_config(config: WebConfig) -> Web {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&DatabaseUrl::sqlite(&dir.path().join("web.db")))
            .await
            .unwrap();
        let catalog = Arc::new(Catalog::new(builtin_profiles().unwrap()));
        store.create_organization("shunan", "周南市").await.unwrap();
        let operator = store.operator("shunan").await.unwrap();
        let mut actors = Vec::new();
        for (role, login) in [
            (UserRole::Applicant, "tanaka"),
            (UserRole::Approver, "suzuki"),
            (UserRole::Ciso, "sato"),
            (UserRole::Auditor, "watanabe"),
            (UserRole::Admin, "yamamoto"),
        ] {
            let new = NewUser {
                login: login.to_owned(),
                display_name: format!("{login} さん"),
                department: "情報政策課".to_owned(),
                role,
                password: PASSWORD.to_owned(),
                email: String::new(),
            };
            store.add_user(&operator, new).await.unwrap();
            actors.push((
                role,
                store.authenticate(login, PASSWORD).await.unwrap().unwrap(),
            ));
        }
        let applicant = actors[0].1.clone();
        let approver = actors[1].1.clone();
        let service = store
            .create_service(
                &applicant,
                NewService {
                    name: "電子申請サービス".into(),
                    provider: "例示株式会社".into(),
                    description: String::new(),
                },
            )
            .await
            .unwrap();
        let assessment = store
            .create_assessment(&applicant, &catalog, service.id, APPROVABLE)
            .await
            .unwrap();
        let new = |a: i64| NewApplication {
            service_id: service.id,
            assessment_id: a,
            purpose: "申請受付".into(),
            user_scope: "課内".into(),
            period_start: time::macros::date!(2026 - 04 - 01),
            period_end: time::macros::date!(2027 - 03 - 31),
            kind: sentei_core::workflow::Kind::New,
            ledger_entry_id: None,
        };
        let approved = store
            .create_application(&applicant, new(assessment.id))
            .await
            .unwrap();
        for action in [Action::StartPreConsultation, Action::Submit] {
            store
                .act(&applicant, &catalog, approved.id, action, "", None)
                .await
                .unwrap();
        }
        store
            .act(
                &approver,
                &catalog,
                approved.id,
                Action::Approve,
                "",
                Some(assessment.version),
            )
            .await
            .unwrap();
        let ledger = store
            .ledger(&approver, &Default::default())
            .await
            .unwrap()
            .items[0]
            .id;
        let (vendor_token, _) = store
            .create_vendor_link(&applicant, assessment.id, "例示株式会社 営業部 山田", 14)
            .await
            .unwrap();
        let attachment = store
            .attach(
                &applicant,
                &catalog,
                assessment.id,
                "",
                "SLA.pdf",
                b"%PDF-1.7 fixture",
            )
            .await
            .unwrap()
            .link_id;
        let vendor_access = store.vendor_access(&vendor_token).await.unwrap();
        let vendor_attachment = store
            .vendor_attach(
                &vendor_access,
                &catalog,
                "",
                "監査報告書.pdf",
                b"%PDF-1.7 vendor fixture",
            )
            .await
            .unwrap()
            .link_id;
        let state = AppState::new(store.clone(), catalog.clone(), config);
        Web {
            app: sentei_web::app(state),
            store,
            catalog,
            actors,
            service: service.id,
            assessment: assessment.id,
            application: approved.id,
            ledger,
            vendor_token,
            attachment,
            vendor_attachment,
            _dir: dir,
        }
    }

    pub fn actor(&self, role: UserRole) -> &Actor {
        &self.actors.iter().find(|(r, _)| *r == role).unwrap().1
    }

    /// A fresh session of a role: (cookie header, CSRF token).
    pub async fn session(&self, role: UserRole) -> (String, String) {
        self.session_of(self.actor(role)).await
    }

    /// A fresh session of any user: (cookie header, CSRF token).
    pub async fn session_of(&self, actor: &Actor) -> (String, String) {
        let (token, session) = self.store.start_session(actor).await.unwrap();
        (format!("sentei_session={token}"), session.csrf_token)
    }

    /// Adds a user of the fixture's municipality and signs them in.
    pub async fn add_user(&self, login: &str, department: &str, role: UserRole) -> Actor {
        let new = NewUser {
            login: login.to_owned(),
            display_name: format!("{login} さん"),
            department: department.to_owned(),
            role,
            password: PASSWORD.to_owned(),
            email: String::new(),
        };
        self.store
            .add_user(self.actor(UserRole::Admin), new)
            .await
            .unwrap();
        self.store
            .authenticate(login, PASSWORD)
            .await
            .unwrap()
            .unwrap()
    }

    /// GET a page as a user, in a fresh session.
    pub async fn get_as(&self, actor: &Actor, path: &str) -> Reply {
        let (cookie, _) = self.session_of(actor).await;
        self.send(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// POST a form as a user, with its CSRF token added.
    pub async fn post_as(&self, actor: &Actor, path: &str, form: &str) -> Reply {
        let (cookie, csrf) = self.session_of(actor).await;
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!("csrf={csrf}&{form}")))
                .unwrap(),
        )
        .await
    }

    pub async fn send(&self, request: Request<Body>) -> Reply {
        let response: Response<Body> = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = to_bytes(response.into_body(), 16 * 1024 * 1024)
            .await
            .unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    }

    /// GET a page as a role (None: anonymous).
    pub async fn get(&self, role: Option<UserRole>, path: &str) -> Reply {
        let mut request = Request::get(path);
        if let Some(role) = role {
            request = request.header(header::COOKIE, self.session(role).await.0);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    /// POST a form as a role, with its CSRF token added.
    pub async fn post(&self, role: UserRole, path: &str, form: &str) -> Reply {
        let (cookie, csrf) = self.session(role).await;
        let body = if form.is_empty() {
            format!("csrf={csrf}")
        } else {
            format!("csrf={csrf}&{form}")
        };
        self.send(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Sends a file as a browser's upload form does: multipart, the CSRF token in the query
    /// (`path` has no query of its own).
    pub async fn upload(
        &self,
        role: UserRole,
        path: &str,
        field: &str,
        file_name: &str,
        bytes: &[u8],
    ) -> Reply {
        let (cookie, csrf) = self.session(role).await;
        let boundary = "sentei-test-boundary";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(format!("{path}?csrf={csrf}"))
                .header(header::COOKIE, cookie)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// A token for a role's API calls.
    pub async fn token(&self, role: UserRole) -> String {
        self.store
            .create_token(
                self.actor(role),
                &sentei_store::NewToken::new("tests", sentei_core::access::Scope::ReadWrite),
            )
            .await
            .unwrap()
            .0
    }
}

/// The value of a hidden input in a page, unescaped as a browser does.
pub fn hidden(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = start + page[start..].find('"')?;
    Some(
        page[start..end]
            .replace("&#34;", "\"")
            .replace("&#39;", "'")
            .replace("&#60;", "<")
            .replace("&#62;", ">")
            .replace("&#38;", "&"),
    )
}

/// Percent-encodes a form value.
pub fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A new assessment of the fixture's service (nothing under review), by the applicant.
pub async fn fresh_assessment(web: &Web) -> i64 {
    let actor = web.actor(UserRole::Applicant);
    web.store
        .create_assessment(actor, &web.catalog, web.service, APPROVABLE)
        .await
        .unwrap()
        .id
}
