//! Every route, with the access it requires, in one table.
//!
//! A route cannot be added without saying who may use it: [`Routes::add`] takes the access
//! and wraps the handler in the gate that enforces it. The list of routes it records is what
//! the role × route test and the OpenAPI test check against.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::routing::{MethodRouter, delete, get, post, put};
use sentei_core::access::Capability as C;
use sentei_exchange::sheet::MAX_FILE_BYTES;

use crate::auth::{Access, Surface, gate};
use crate::state::AppState;
use crate::{api, assets, pages};

/// One registered route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub surface: Surface,
}

struct Routes {
    state: AppState,
    router: Router<AppState>,
    specs: Vec<RouteSpec>,
}

impl Routes {
    fn new(state: AppState) -> Routes {
        Routes {
            state,
            router: Router::new(),
            specs: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: Method,
        path: &'static str,
        access: Access,
        surface: Surface,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        // Pages of signed-in users show their unread notifications in the header: counted
        // after the gate found the user (a later route_layer runs first).
        let handler = if surface == Surface::Page {
            handler.route_layer(from_fn_with_state(
                self.state.clone(),
                pages::notifications::count,
            ))
        } else {
            handler
        };
        let gated = handler.route_layer(from_fn_with_state(
            self.state.clone(),
            move |state, request, next| gate(state, access, surface, request, next),
        ));
        self.router = self.router.route(path, gated);
        self.specs.push(RouteSpec {
            method,
            path,
            access,
            surface,
        });
        self
    }

    fn page(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.add(method, path, access, Surface::Page, handler)
    }

    fn api(
        self,
        method: Method,
        path: &'static str,
        access: Access,
        handler: MethodRouter<AppState>,
    ) -> Routes {
        self.add(method, path, access, Surface::Api, handler)
    }
}

/// The application's routes and the table of them.
pub fn build(state: AppState) -> (Router<AppState>, Vec<RouteSpec>) {
    use Access::{Can, CanEither, Public, SignedIn, VendorLink};
    use Method as M;
    let read = Can(C::Read);
    let routes = Routes::new(state)
        // Pages
        .page(M::GET, "/login", Public, get(pages::login::form))
        .page(
            M::POST,
            "/login",
            Public,
            // A name, a password, two tokens: nothing near the size of other forms.
            post(pages::login::submit).layer(DefaultBodyLimit::max(pages::login::MAX_FORM_BYTES)),
        )
        .page(M::POST, "/logout", SignedIn, post(pages::login::logout))
        .page(M::GET, "/", SignedIn, get(pages::dashboard::show))
        .page(M::GET, "/account", SignedIn, get(pages::account::show))
        .page(
            M::POST,
            "/account/password",
            SignedIn,
            post(pages::account::change_password),
        )
        .page(
            M::POST,
            "/account/tokens",
            SignedIn,
            post(pages::account::create_token),
        )
        .page(
            M::POST,
            "/account/tokens/{id}/revoke",
            SignedIn,
            post(pages::account::revoke_token),
        )
        .page(
            M::GET,
            "/notifications",
            SignedIn,
            get(pages::notifications::list),
        )
        .page(
            M::POST,
            "/notifications/read-all",
            SignedIn,
            post(pages::notifications::read_all),
        )
        .page(
            M::POST,
            "/notifications/{id}/read",
            SignedIn,
            post(pages::notifications::read),
        )
        .page(
            M::POST,
            "/notifications/mail",
            SignedIn,
            post(pages::notifications::save_mail),
        )
        .page(M::GET, "/services", read, get(pages::services::list))
        .page(
            M::GET,
            "/services/new",
            Can(C::Register),
            get(pages::services::new_form),
        )
        .page(
            M::POST,
            "/services",
            Can(C::Register),
            post(pages::services::create),
        )
        .page(M::GET, "/services/{id}", read, get(pages::services::show))
        .page(
            M::POST,
            "/services/{id}/delete",
            CanEither(C::Register, C::Administer),
            post(pages::services::delete),
        )
        .page(
            M::POST,
            "/services/{id}/assessments",
            Can(C::Register),
            post(pages::services::new_assessment),
        )
        .page(
            M::GET,
            "/assessments/{id}",
            read,
            get(pages::assessments::show),
        )
        .page(
            M::POST,
            "/assessments/{id}",
            Can(C::Register),
            post(pages::assessments::save),
        )
        .page(
            M::POST,
            "/assessments/{id}/fill",
            Can(C::Register),
            post(pages::assessments::fill),
        )
        .page(
            M::POST,
            "/assessments/{id}/preview",
            read,
            post(pages::assessments::preview),
        )
        .page(
            M::POST,
            "/assessments/{id}/attachments",
            Can(C::Register),
            post(pages::evidence::attach)
                .layer(DefaultBodyLimit::max(pages::evidence::MAX_UPLOAD_BYTES)),
        )
        .page(
            M::GET,
            "/assessments/{id}/attachments/{attachment}",
            read,
            get(pages::evidence::fetch),
        )
        .page(
            M::POST,
            "/assessments/{id}/attachments/{attachment}/remove",
            Can(C::Register),
            post(pages::evidence::remove),
        )
        .page(
            M::POST,
            "/assessments/{id}/vendor-links",
            Can(C::Register),
            post(pages::vendor::create),
        )
        .page(
            M::POST,
            "/vendor-links/{id}/revoke",
            Can(C::Register),
            post(pages::vendor::revoke),
        )
        .page(
            M::GET,
            "/vendor/{token}",
            VendorLink,
            get(pages::vendor::show),
        )
        .page(
            M::POST,
            "/vendor/{token}",
            VendorLink,
            post(pages::vendor::save),
        )
        .page(
            M::GET,
            "/vendor/{token}/sheet.xlsx",
            VendorLink,
            get(pages::vendor::download),
        )
        .page(
            M::POST,
            "/vendor/{token}/sheet",
            VendorLink,
            // The file and its form: as large as a sheet may be, as in the API.
            post(pages::vendor::upload)
                .layer(DefaultBodyLimit::max(MAX_FILE_BYTES + pages::FORM_MARGIN)),
        )
        .page(
            M::POST,
            "/vendor/{token}/sheet/apply",
            VendorLink,
            post(pages::vendor::apply),
        )
        .page(
            M::POST,
            "/vendor/{token}/attachments",
            VendorLink,
            post(pages::evidence::vendor_attach)
                .layer(DefaultBodyLimit::max(pages::evidence::MAX_UPLOAD_BYTES)),
        )
        .page(
            M::GET,
            "/vendor/{token}/attachments/{attachment}",
            VendorLink,
            get(pages::evidence::vendor_fetch),
        )
        .page(
            M::GET,
            "/assessments/{id}/sheet.xlsx",
            read,
            get(pages::sheets::download),
        )
        .page(
            M::POST,
            "/assessments/{id}/sheet",
            Can(C::Register),
            post(pages::sheets::upload)
                .layer(DefaultBodyLimit::max(MAX_FILE_BYTES + pages::FORM_MARGIN)),
        )
        .page(
            M::POST,
            "/assessments/{id}/sheet/apply",
            Can(C::Register),
            post(pages::sheets::apply),
        )
        .page(
            M::GET,
            "/applications",
            read,
            get(pages::applications::list),
        )
        .page(
            M::POST,
            "/applications",
            Can(C::Apply),
            post(pages::applications::create),
        )
        .page(
            M::GET,
            "/applications/{id}",
            read,
            get(pages::applications::show),
        )
        .page(
            M::GET,
            "/applications/{id}/changes",
            read,
            get(pages::application_view::changes),
        )
        .page(
            M::GET,
            "/applications/{id}/report",
            read,
            get(pages::report::show),
        )
        .page(
            M::POST,
            "/applications/{id}/act",
            CanEither(C::Apply, C::Review),
            post(pages::applications::act),
        )
        .page(
            M::POST,
            "/applications/{id}/delete",
            CanEither(C::Apply, C::Administer),
            post(pages::applications::delete),
        )
        .page(
            M::POST,
            "/applications/{id}/accept",
            CanEither(C::Review, C::AcceptAsCiso),
            post(pages::applications::accept),
        )
        .page(M::GET, "/ledger", read, get(pages::ledger::list))
        .page(M::GET, "/ledger.csv", read, get(pages::ledger::csv))
        .page(M::GET, "/ledger.xlsx", read, get(pages::ledger::xlsx))
        .page(
            M::GET,
            "/ledger/import",
            Can(C::KeepLedger),
            get(pages::ledger_import::form),
        )
        .page(
            M::POST,
            "/ledger/import",
            Can(C::KeepLedger),
            // The file and its form: as large as a ledger file may be, not the form limit.
            post(pages::ledger_import::upload).layer(DefaultBodyLimit::max(
                sentei_exchange::ledger_import::MAX_FILE_BYTES + pages::FORM_MARGIN,
            )),
        )
        .page(
            M::POST,
            "/ledger/import/apply",
            Can(C::KeepLedger),
            post(pages::ledger_import::apply)
                .layer(DefaultBodyLimit::max(pages::ledger_import::MAX_APPLY_BYTES)),
        )
        .page(M::GET, "/ledger/{id}", read, get(pages::ledger_entry::show))
        .page(
            M::POST,
            "/ledger/{id}/applications",
            Can(C::Apply),
            post(pages::ledger_entry::apply),
        )
        .page(
            M::POST,
            "/ledger/{id}/extend",
            Can(C::KeepLedger),
            post(pages::ledger_entry::extend),
        )
        .page(
            M::POST,
            "/ledger/{id}/change",
            Can(C::KeepLedger),
            post(pages::ledger_entry::change),
        )
        .page(
            M::POST,
            "/ledger/{id}/abolish",
            Can(C::KeepLedger),
            post(pages::ledger_entry::abolish),
        )
        .page(M::GET, "/profiles", read, get(pages::profiles::list))
        .page(M::GET, "/profiles/{id}", read, get(pages::profiles::show))
        .page(M::GET, "/audit", Can(C::ReadAudit), get(pages::audit::list))
        .page(
            M::GET,
            "/audit.csv",
            Can(C::ReadAudit),
            get(pages::audit::csv),
        )
        .page(
            M::GET,
            "/audit/verify",
            Can(C::ReadAudit),
            get(pages::audit::verify),
        )
        .page(
            M::GET,
            "/users",
            Can(C::Administer),
            get(pages::users::list),
        )
        .page(
            M::POST,
            "/users",
            Can(C::Administer),
            post(pages::users::create),
        )
        .page(
            M::POST,
            "/users/{login}/role",
            Can(C::Administer),
            post(pages::users::set_role),
        )
        .page(
            M::POST,
            "/users/{login}/password",
            Can(C::Administer),
            post(pages::users::reset_password),
        )
        .page(
            M::GET,
            "/users.csv",
            Can(C::Administer),
            get(pages::users::csv),
        )
        .page(
            M::GET,
            "/users/{login}",
            Can(C::Administer),
            get(pages::user::show),
        )
        .page(
            M::POST,
            "/users/{login}",
            Can(C::Administer),
            post(pages::user::edit),
        )
        .page(
            M::POST,
            "/users/{login}/deactivate",
            Can(C::Administer),
            post(pages::user::deactivate),
        )
        .page(
            M::POST,
            "/users/{login}/activate",
            Can(C::Administer),
            post(pages::user::activate),
        )
        .page(
            M::POST,
            "/user-import",
            Can(C::Administer),
            // The file and its form: as large as a users file may be, not the form limit.
            post(pages::user_import::upload).layer(DefaultBodyLimit::max(
                sentei_exchange::users_file::MAX_FILE_BYTES + pages::FORM_MARGIN,
            )),
        )
        .page(
            M::POST,
            "/user-import/apply",
            Can(C::Administer),
            post(pages::user_import::apply)
                .layer(DefaultBodyLimit::max(pages::user_import::MAX_APPLY_BYTES)),
        )
        .page(
            M::POST,
            "/organization",
            Can(C::Administer),
            post(pages::users::rename_organization),
        )
        .page(M::GET, "/static/{*path}", Public, get(assets::serve))
        // API
        .api(M::GET, "/api/v1/openapi.json", Public, get(api::openapi))
        .api(M::GET, "/api/v1/me", SignedIn, get(api::registry::me))
        .api(
            M::GET,
            "/api/v1/profiles",
            read,
            get(api::registry::profiles),
        )
        .api(
            M::GET,
            "/api/v1/profiles/{id}",
            read,
            get(api::registry::profile),
        )
        .api(
            M::POST,
            "/api/v1/judge",
            read,
            post(api::registry::judge_document),
        )
        .api(
            M::GET,
            "/api/v1/services",
            read,
            get(api::registry::services),
        )
        .api(
            M::POST,
            "/api/v1/services",
            Can(C::Register),
            post(api::registry::create_service),
        )
        .api(
            M::GET,
            "/api/v1/services/{id}",
            read,
            get(api::registry::service),
        )
        .api(
            M::POST,
            "/api/v1/services/{id}/assessments",
            Can(C::Register),
            post(api::registry::create_assessment),
        )
        .api(
            M::GET,
            "/api/v1/assessments/{id}",
            read,
            get(api::registry::assessment),
        )
        .api(
            M::PUT,
            "/api/v1/assessments/{id}",
            Can(C::Register),
            put(api::registry::save_assessment),
        )
        .api(
            M::GET,
            "/api/v1/assessments/{id}/sheet.xlsx",
            read,
            get(api::exchange::sheet_download),
        )
        .api(
            M::POST,
            "/api/v1/assessments/{id}/sheet",
            Can(C::Register),
            // The workbook is the body: as large as a sheet may be, not the JSON limit.
            post(api::exchange::sheet_upload).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)),
        )
        .api(
            M::GET,
            "/api/v1/assessments/{id}/attachments",
            read,
            get(api::evidence::list),
        )
        .api(
            M::POST,
            "/api/v1/assessments/{id}/attachments",
            Can(C::Register),
            // The file is the body: as large as an evidence file may be, not the JSON limit.
            post(api::evidence::attach)
                .layer(DefaultBodyLimit::max(sentei_store::MAX_ATTACHMENT_BYTES)),
        )
        .api(
            M::GET,
            "/api/v1/assessments/{id}/attachments/{attachment}",
            read,
            get(api::evidence::fetch),
        )
        .api(
            M::DELETE,
            "/api/v1/assessments/{id}/attachments/{attachment}",
            Can(C::Register),
            delete(api::evidence::remove),
        )
        .api(
            M::GET,
            "/api/v1/assessments/{id}/vendor-links",
            read,
            get(api::exchange::vendor_links),
        )
        .api(
            M::POST,
            "/api/v1/assessments/{id}/vendor-links",
            Can(C::Register),
            post(api::exchange::create_vendor_link),
        )
        .api(
            M::POST,
            "/api/v1/vendor-links/{id}/revoke",
            Can(C::Register),
            post(api::exchange::revoke_vendor_link),
        )
        .api(
            M::GET,
            "/api/v1/applications",
            read,
            get(api::workflow::applications),
        )
        .api(
            M::POST,
            "/api/v1/applications",
            Can(C::Apply),
            post(api::workflow::create),
        )
        .api(
            M::GET,
            "/api/v1/applications/{id}",
            read,
            get(api::workflow::application),
        )
        .api(
            M::GET,
            "/api/v1/applications/{id}/changes",
            read,
            get(api::workflow::changes),
        )
        .api(
            M::GET,
            "/api/v1/applications/{id}/report",
            read,
            get(api::exchange::report),
        )
        .api(
            M::POST,
            "/api/v1/applications/{id}/actions",
            CanEither(C::Apply, C::Review),
            post(api::workflow::act),
        )
        .api(
            M::POST,
            "/api/v1/applications/{id}/acceptances",
            CanEither(C::Review, C::AcceptAsCiso),
            post(api::workflow::accept),
        )
        .api(M::GET, "/api/v1/ledger", read, get(api::records::ledger))
        .api(
            M::POST,
            "/api/v1/ledger/import",
            Can(C::KeepLedger),
            // The file is the body: as large as a ledger file may be, not the JSON limit.
            post(api::ledger_import::import).layer(DefaultBodyLimit::max(
                sentei_exchange::ledger_import::MAX_FILE_BYTES,
            )),
        )
        .api(
            M::GET,
            "/api/v1/ledger/{id}",
            read,
            get(api::records::entry),
        )
        .api(
            M::POST,
            "/api/v1/ledger/{id}/extend",
            Can(C::KeepLedger),
            post(api::records::extend),
        )
        .api(
            M::POST,
            "/api/v1/ledger/{id}/change",
            Can(C::KeepLedger),
            post(api::records::change),
        )
        .api(
            M::POST,
            "/api/v1/ledger/{id}/abolish",
            Can(C::KeepLedger),
            post(api::records::abolish),
        )
        .api(
            M::GET,
            "/api/v1/audit",
            Can(C::ReadAudit),
            get(api::records::audit),
        )
        .api(
            M::GET,
            "/api/v1/audit/verify",
            Can(C::ReadAudit),
            get(api::records::verify),
        )
        .api(
            M::GET,
            "/api/v1/dashboard",
            read,
            get(api::records::dashboard),
        )
        .api(
            M::GET,
            "/api/v1/users",
            Can(C::Administer),
            get(api::admin::users),
        )
        .api(
            M::POST,
            "/api/v1/users",
            Can(C::Administer),
            post(api::admin::create_user),
        )
        .api(
            M::PUT,
            "/api/v1/users/{login}",
            Can(C::Administer),
            put(api::people::edit),
        )
        .api(
            M::GET,
            "/api/v1/notifications",
            SignedIn,
            get(api::notifications::list),
        )
        .api(
            M::POST,
            "/api/v1/notifications/read-all",
            SignedIn,
            post(api::notifications::read_all),
        )
        .api(
            M::POST,
            "/api/v1/notifications/{id}/read",
            SignedIn,
            post(api::notifications::read),
        )
        .api(
            M::GET,
            "/api/v1/me/mail",
            SignedIn,
            get(api::notifications::mail),
        )
        .api(
            M::PUT,
            "/api/v1/me/mail",
            SignedIn,
            put(api::notifications::set_mail),
        )
        .api(
            M::POST,
            "/api/v1/users/{login}/role",
            Can(C::Administer),
            post(api::people::set_role),
        )
        .api(
            M::POST,
            "/api/v1/users/{login}/deactivate",
            Can(C::Administer),
            post(api::people::deactivate),
        )
        .api(
            M::POST,
            "/api/v1/users/{login}/activate",
            Can(C::Administer),
            post(api::people::activate),
        )
        .api(
            M::POST,
            "/api/v1/users/import",
            Can(C::Administer),
            // The file is the body: as large as a users file may be, not the JSON limit.
            post(api::people::import).layer(DefaultBodyLimit::max(
                sentei_exchange::users_file::MAX_FILE_BYTES,
            )),
        )
        .api(
            M::GET,
            "/api/v1/organization",
            read,
            get(api::people::organization),
        )
        .api(
            M::PUT,
            "/api/v1/organization",
            Can(C::Administer),
            put(api::people::rename_organization),
        )
        .api(M::GET, "/api/v1/tokens", SignedIn, get(api::admin::tokens))
        .api(
            M::DELETE,
            "/api/v1/tokens/{id}",
            SignedIn,
            delete(api::admin::revoke_token),
        );
    (routes.router, routes.specs)
}
