use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use leptos_jwt_session::ApiError;

use crate::task::Task;

/// The server's messages for the field `name`, from a form's last error (a 400 field map).
pub fn field_message<E>(error: E, name: &'static str) -> Signal<Option<String>>
where
    E: Fn() -> Option<ApiError> + Send + Sync + 'static,
{
    Signal::derive(move || match error() {
        Some(ApiError::Fields(fields)) => fields.field(name),
        _ => None,
    })
}

/// A form's submit handler: sends `input()` through `task` unless the last submit is still
/// running, and clears the last answer first, so that a repeated refusal reads as new to screen
/// readers.
pub fn submit_with<I, O>(
    task: Task<I, O>,
    input: impl Fn() -> I + 'static,
) -> impl Fn(leptos::ev::SubmitEvent) + 'static
where
    I: 'static,
    O: 'static,
{
    move |event| {
        event.prevent_default();
        if !task.pending().get_untracked() {
            task.clear();
            task.dispatch(input());
        }
    }
}

/// A button's click handler for a task that takes no input: ignored while it runs.
pub fn press<O: 'static>(task: Task<(), O>) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    move |_| {
        if !task.pending().get_untracked() {
            task.dispatch(());
        }
    }
}

/// `aria-disabled` for a button while its work runs (`pending()`). Not `disabled`: a disabled
/// button drops the keyboard focus to the page.
pub fn busy(pending: impl Fn() -> bool + 'static) -> impl Fn() -> &'static str + 'static {
    move || if pending() { "true" } else { "false" }
}

/// After a refused submit, moves the focus to the first field marked invalid, in page order, so
/// that keyboard and screen-reader users land where the fix is needed.
pub fn focus_first_invalid<E>(form: NodeRef<html::Form>, error: E)
where
    E: Fn() -> Option<ApiError> + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(error(), Some(ApiError::Fields(_))) {
            // Once this update has reached the DOM and marked the fields.
            request_animation_frame(move || {
                let first = form
                    .get_untracked()
                    .and_then(|form| form.query_selector("[aria-invalid='true']").ok().flatten());
                if let Some(field) = first.and_then(|f| f.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = field.focus();
                }
            });
        }
    });
}

/// A labelled input with its error message underneath, tied together for screen readers.
#[component]
pub fn TextField(
    /// The input's `id` and `name`.
    name: &'static str,
    label: &'static str,
    value: RwSignal<String>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// The message for this field, if the server refused it.
    #[prop(into)]
    error: Signal<Option<String>>,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let described_by = error_id.clone();
    view! {
        <div class="field">
            <label for=name>{label}</label>
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                aria-invalid=move || error.with(Option::is_some).to_string()
                aria-describedby=described_by
                bind:value=value
            />
            <p class="field-error" id=error_id>
                {move || error.get()}
            </p>
        </div>
    }
}

/// A message announced to screen readers as it appears; takes no room when empty.
#[component]
pub fn Alert(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <p class="alert" role="alert" aria-live="assertive" class:empty=move || message.with(Option::is_none)>
            {move || message.get()}
        </p>
    }
}
