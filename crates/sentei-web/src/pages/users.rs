//! User administration, for administrators: the list of users with their state, adding one,
//! changing a role, issuing a new password, the list as CSV, and the organization's name.
//! One user's page (edit, deactivate, reactivate) is `user.rs`; the April transfers from a
//! file are `user_import.rs`. Refusals are shown on the page with the form as typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::extract::PageForm;
use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, generate_password};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout};
use crate::pages::{Done, options};
use crate::state::AppState;

struct Row {
    login: String,
    name: String,
    department: String,
    email: String,
    role_label: &'static str,
    active: bool,
}

/// The add form as typed.
#[derive(Default, Deserialize)]
pub struct NewForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
pub struct UsersPage {
    layout: Layout,
    users: Vec<Row>,
    active_count: usize,
    new_password: Option<(String, String, bool)>,
    /// A refusal of the add form, shown above it.
    problem: Option<String>,
    form: NewForm,
    roles: Vec<(String, String, bool)>,
    org_code: String,
    org_name: String,
    /// A refusal of the rename form, shown above it.
    rename_problem: Option<String>,
}

/// The users page; `form` and the problems are what a refused form comes back with.
pub(crate) async fn page(
    state: &AppState,
    signed: &Signed,
    done: Option<&str>,
    new_password: Option<(String, String, bool)>,
) -> Result<UsersPage, PageError> {
    let users = state.store.users(&signed.actor).await?;
    let org = state.store.own_organization(&signed.actor).await?;
    Ok(UsersPage {
        layout: Layout::new("利用者の管理", Some(signed), "/users").with_notice(done),
        active_count: users.iter().filter(|u| u.active).count(),
        users: users
            .into_iter()
            .map(|u| Row {
                login: u.login,
                name: u.display_name,
                department: u.department,
                email: u.email,
                role_label: u.role.label(),
                active: u.active,
            })
            .collect(),
        new_password,
        problem: None,
        form: NewForm::default(),
        roles: role_options(UserRole::Applicant.as_str()),
        org_code: org.code,
        org_name: org.name,
        rename_problem: None,
    })
}

/// The roles for a select, `current` selected.
pub(crate) fn role_options(current: &str) -> Vec<(String, String, bool)> {
    options(
        UserRole::ALL.into_iter().map(|r| (r.as_str(), r.label())),
        current,
    )
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(done): Query<Done>,
) -> Result<UsersPage, PageError> {
    page(&state, &signed, done.done.as_deref(), None).await
}

pub(crate) fn role(name: &str) -> Result<UserRole, AppError> {
    UserRole::parse(name).ok_or_else(|| AppError::BadRequest("役割を選んでください".to_owned()))
}

/// A refusal by the rules (422) as its message; any other error as it is.
pub(crate) fn refusal(error: impl Into<AppError>) -> Result<String, PageError> {
    match error.into() {
        AppError::Refused(message) => Ok(message),
        other => Err(PageError(other)),
    }
}

/// Adds a user and shows the initial password once.
pub async fn create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, PageError> {
    let password = generate_password();
    let added = match role(&form.role) {
        Ok(role) => state
            .store
            .add_user(
                &signed.actor,
                NewUser {
                    login: form.login.clone(),
                    display_name: form.name.clone(),
                    department: form.department.clone(),
                    role,
                    password: password.clone(),
                    email: form.email.clone(),
                },
            )
            .await
            .map_err(AppError::from),
        Err(error) => Err(error),
    };
    match added {
        Ok(user) => Ok(page(
            &state,
            &signed,
            Some("user"),
            Some((user.login, password, false)),
        )
        .await?
        .into_response()),
        Err(error) => {
            let problem = match error {
                AppError::BadRequest(message) => message,
                other => refusal(other)?,
            };
            let mut shown = page(&state, &signed, None, None).await?;
            shown.roles = role_options(&form.role);
            shown.form = form;
            shown.problem = Some(problem);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
    }
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
    let changed = state
        .store
        .set_role(&signed.actor, &login, role(&form.role)?)
        .await;
    match changed {
        Ok(_) => Ok(Redirect::to(&format!("/users/{login}?done=user")).into_response()),
        Err(error) => {
            let problem = refusal(error)?;
            super::user::refused(&state, &signed, &login, problem, None).await
        }
    }
}

/// Issues a new password for a user and shows it once.
pub async fn reset_password(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    let password = generate_password();
    // A reset ends every session and API token of the user at once (issue 12, finding 6).
    state
        .store
        .reset_password(&signed.actor, &login, &password)
        .await?;
    Ok(page(
        &state,
        &signed,
        Some("password"),
        Some((login, password, true)),
    )
    .await?
    .into_response())
}

/// The users as CSV (UTF-8 with BOM), in the columns the import reads back.
pub async fn csv(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Response, PageError> {
    let users = state.store.users(&signed.actor).await?;
    let body = sentei_exchange::users_file::write(&users)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    let name = format!("attachment; filename=\"users-{}.csv\"", layout::today());
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    name: String,
}

/// Renames the organization.
pub async fn rename_organization(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<RenameForm>,
) -> Result<Response, PageError> {
    match state
        .store
        .rename_organization(&signed.actor, &form.name)
        .await
    {
        Ok(_) => Ok(Redirect::to("/users?done=organization").into_response()),
        Err(error) => {
            let problem = refusal(error)?;
            let mut shown = page(&state, &signed, None, None).await?;
            shown.org_name = form.name;
            shown.rename_problem = Some(problem);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
        }
    }
}
