//! One user's page, for administrators: name, department and e-mail address, role, and
//! deactivation (sign-in refused, every session and API token ended at once) or reactivation.
//! A refusal (the last administrator, a malformed address) is shown on this page with the
//! form as typed.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentei_store::UserEdit;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::PageError;
use crate::extract::PageForm;
use crate::layout::Layout;
use crate::pages::Done;
use crate::pages::users::{refusal, role_options};
use crate::state::AppState;

/// The edit form as typed.
#[derive(Default, Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    email: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "user.html")]
pub struct UserPage {
    layout: Layout,
    login: String,
    role_label: &'static str,
    active: bool,
    /// The signed-in administrator's own account.
    own: bool,
    form: EditForm,
    roles: Vec<(String, String, bool)>,
    problem: Option<String>,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    login: &str,
    done: Option<&str>,
) -> Result<UserPage, PageError> {
    let user = state.store.user(&signed.actor, login).await?;
    Ok(UserPage {
        layout: Layout::new(
            format!("利用者 {}（{}）", user.display_name, user.login),
            Some(signed),
            "/users",
        )
        .with_notice(done),
        own: signed.actor.user_id() == Some(user.id),
        role_label: user.role.label(),
        roles: role_options(user.role.as_str()),
        active: user.active,
        login: user.login,
        form: EditForm {
            name: user.display_name,
            department: user.department,
            email: user.email,
        },
        problem: None,
    })
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
    Query(done): Query<Done>,
) -> Result<UserPage, PageError> {
    page(&state, &signed, &login, done.done.as_deref()).await
}

/// The page again with a refusal and, when it was the edit form, the form as typed (422).
pub(crate) async fn refused(
    state: &AppState,
    signed: &Signed,
    login: &str,
    problem: String,
    form: Option<EditForm>,
) -> Result<Response, PageError> {
    let mut shown = page(state, signed, login, None).await?;
    if let Some(form) = form {
        shown.form = form;
    }
    shown.problem = Some(problem);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, shown).into_response())
}

/// Saves name, department and e-mail address.
pub async fn edit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
    PageForm(form): PageForm<EditForm>,
) -> Result<Response, PageError> {
    let edited = state
        .store
        .edit_user(
            &signed.actor,
            &login,
            UserEdit {
                display_name: form.name.clone(),
                department: form.department.clone(),
                email: form.email.clone(),
            },
        )
        .await;
    match edited {
        Ok(_) => Ok(Redirect::to(&format!("/users/{login}?done=user")).into_response()),
        Err(error) => {
            let problem = refusal(error)?;
            refused(&state, &signed, &login, problem, Some(form)).await
        }
    }
}

/// Deactivates the user: their sessions and tokens end with this request.
pub async fn deactivate(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    match state.store.deactivate_user(&signed.actor, &login).await {
        // Whoever deactivated their own account is signed out with it.
        Ok(_) if signed.actor.login() == login => Ok(Redirect::to("/login").into_response()),
        Ok(_) => Ok(Redirect::to(&format!("/users/{login}?done=deactivated")).into_response()),
        Err(error) => {
            let problem = refusal(error)?;
            refused(&state, &signed, &login, problem, None).await
        }
    }
}

/// Lets the user sign in again.
pub async fn activate(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(login): Path<String>,
) -> Result<Response, PageError> {
    match state.store.activate_user(&signed.actor, &login).await {
        Ok(_) => Ok(Redirect::to(&format!("/users/{login}?done=activated")).into_response()),
        Err(error) => {
            let problem = refusal(error)?;
            refused(&state, &signed, &login, problem, None).await
        }
    }
}
