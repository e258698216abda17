//! The step that asks before something that cannot be undone (承認, 却下, deleting a draft
//! or a service): a page of its own, in the layout, that says what will happen and posts
//! the same request again with `confirmed=yes`. It works without JavaScript and carries the
//! session's CSRF token like every form.

use askama::Template;
use askama_web::WebTemplate;

use crate::auth::Signed;
use crate::layout::Layout;

#[derive(Template, WebTemplate)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub(crate) layout: Layout,
    /// What will happen, in one sentence.
    pub(crate) question: String,
    /// What it concerns, as label and value.
    pub(crate) facts: Vec<(String, String)>,
    /// Where the confirmed request goes.
    pub(crate) action: String,
    /// Fields sent again as they were.
    pub(crate) hidden: Vec<(&'static str, String)>,
    /// The comment, editable once more, for steps that have one (label, value).
    pub(crate) comment: Option<(String, String)>,
    pub(crate) button: &'static str,
    /// Whether the step destroys or ends something (a red button).
    pub(crate) danger: bool,
    /// Where 「戻る」 goes.
    pub(crate) back: String,
}

impl ConfirmPage {
    pub(crate) fn new(
        signed: &Signed,
        title: impl Into<String>,
        question: impl Into<String>,
        action: impl Into<String>,
        button: &'static str,
        back: impl Into<String>,
    ) -> ConfirmPage {
        let action = action.into();
        ConfirmPage {
            // The menu marks the area the step belongs to (利用申請, サービス).
            layout: Layout::new(title, Some(signed), &action),
            question: question.into(),
            facts: Vec::new(),
            action,
            hidden: Vec::new(),
            comment: None,
            button,
            danger: false,
            back: back.into(),
        }
    }
}
