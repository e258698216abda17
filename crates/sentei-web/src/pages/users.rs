//! User administration, for administrators: add, change role, issue a new password.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};

use crate::extract::PageForm;
use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, generate_password};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::Layout;
use crate::pages::Done;
use crate::state::AppState;

struct Row {
    login: String,
    name: String,
    department: String,
    role: &'static str,
    role_label: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    layout: Layout,
    users: Vec<Row>,
    roles: Vec<(&'static str, &'static str)>,
    new_password: Option<(String, String)>,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    done: Option<&str>,
    new_password: Option<(String, String)>,
) -> Result<UsersPage, PageError> {
    let users = state.store.users(&signed.actor).await?;
    Ok(UsersPage {
        layout: Layout::new("利用者の管理", Some(signed), "/users").with_notice(done),
        users: users
            .into_iter()
            .map(|u| Row {
                login: u.login,
                name: u.display_name,
                department: u.department,
                role: u.role.as_str(),
                role_label: u.role.label(),
            })
            .collect(),
        roles: UserRole::ALL
            .into_iter()
            .map(|r| (r.as_str(), r.label()))
            .collect(),
        new_password,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(done): Query<Done>,
) -> Result<UsersPage, PageError> {
    page(&state, &signed, done.done.as_deref(), None).await
}

#[derive(Deserialize)]
pub struct NewForm {
    login: String,
    name: String,
    department: String,
    role: String,
}

fn role(name: &str) -> Result<UserRole, AppError> {
    UserRole::parse(name).ok_or_else(|| AppError::BadRequest(format!("役割 {name} はありません")))
}

/// Adds a user and shows the initial password once.
pub async fn create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, PageError> {
    let password = generate_password();
    let user = state
        .store
        .add_user(
            &signed.actor,
            NewUser {
                login: form.login,
                display_name: form.name,
                department: form.department,
                role: role(&form.role)?,
                password: password.clone(),
                email: String::new(),
            },
        )
        .await?;
    Ok(
        page(&state, &signed, Some("user"), Some((user.login, password)))
            .await?
            .into_response(),
    )
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

pub async fn set_role(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
    PageForm(form): PageForm<RoleForm>,
) -> Result<Response, PageError> {
    state
        .store
        .set_role(&signed.actor, &login, role(&form.role)?)
        .await?;
    Ok(page(&state, &signed, Some("user"), None)
        .await?
        .into_response())
}

/// Issues a new password for a user and shows it once.
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    let password = generate_password();
    state
        .store
        .set_password(&signed.actor, &login, &password)
        .await?;
    Ok(
        page(&state, &signed, Some("password"), Some((login, password)))
            .await?
            .into_response(),
    )
}
