//! Where a refresh is decided and done: when a token is due ([`refresh_due_at`]), and one
//! refresh at a time ([`refresh_replacing`]), shared by every request of this tab that needs it
//! and run under the cross-tab lock after reading the newest tokens any tab has stored. A tab
//! never sends a refresh token that another tab has already rotated, and a refused refresh ends
//! the session only when the refused token is still the newest one there is.

use std::rc::Rc;

use crate::api::exchange::exchange;
use crate::config::AuthConfig;
use crate::http::error::{ApiError, ApiResult};
use crate::http::request::{object_of_strings, ApiRequest};
use crate::http::response::ApiResponse;
use crate::json::{Json, JsonError};
use crate::platform::now_ms;
use crate::session::events::{AuthEvent, RefreshReason};
use crate::session::flight::Flight;
use crate::session::state::{Session, SessionEnd, StoredState};
use crate::session::tab::TabSession;
use crate::session::tokens::Tokens;

/// When the access token of `tokens` should be refreshed, local clock, ms: the configured lead
/// time before it expires; at once where this tab should hold one and does not (a tab opened
/// in `TokenMode::RefreshCookie`).
pub(crate) fn refresh_due_at(config: &AuthConfig, tokens: &Tokens) -> Option<f64> {
    if config.token_mode.access_in_memory() && tokens.access.is_none() {
        return Some(now_ms());
    }
    tokens.access_refresh_due_at(config.refresh_lead_ms)
}

/// Whether `tokens` should be refreshed now. Due rather than expired: a token checked a moment
/// before expiry could still arrive after it, and the server would answer 401.
pub(crate) fn refresh_due(config: &AuthConfig, tokens: &Tokens) -> bool {
    refresh_due_at(config, tokens).is_none_or(|due_at| due_at <= now_ms())
}

/// Refreshes because the grant `stale` (a [`Tokens::key`]) is no good: joins the refresh under
/// way in this tab, or starts one. Returns the tokens to use.
pub(crate) async fn refresh_replacing(
    tab: &Rc<TabSession>,
    stale: Option<String>,
    reason: RefreshReason,
) -> ApiResult<Tokens> {
    let under_way = tab.flight.borrow().clone();
    let flight = match under_way {
        Some(flight) => flight,
        None => {
            let flight = Rc::new(Flight::default());
            tab.flight.replace(Some(flight.clone()));
            // A task of its own, driven to the end even if every caller stops waiting: otherwise
            // its answer would sit unread until the next request, holding the cross-tab lock.
            let (tab, landing) = (tab.clone(), flight.clone());
            leptos::task::spawn_local(async move {
                let outcome = refresh_once(tab, stale, reason).await;
                landing.land(outcome);
            });
            flight
        }
    };
    flight.wait().await
}

async fn refresh_once(
    tab: Rc<TabSession>,
    stale: Option<String>,
    reason: RefreshReason,
) -> ApiResult<Tokens> {
    let outcome = tab
        .as_writer(
            move |tab, latest| async move { refresh_locked(&tab, latest, stale, reason).await },
        )
        .await
        // No lock in time: another tab holds it far too long. Refreshing anyway could race it.
        .unwrap_or(Err(ApiError::LockTimeout));
    tab.flight.borrow_mut().take();
    outcome
}

async fn refresh_locked(
    tab: &Rc<TabSession>,
    latest: StoredState,
    stale: Option<String>,
    reason: RefreshReason,
) -> ApiResult<Tokens> {
    // No session: logged out, or its refresh token ran out (the state says which).
    let (Some(session), Some(current)) = (latest.session.clone(), tab.tokens_of(&latest)) else {
        return Err(ApiError::SessionExpired);
    };
    let replaced = stale.as_deref() != Some(current.key().as_str());
    if replaced && !refresh_due(&tab.config, &current) {
        tab.emit(|| AuthEvent::RefreshedElsewhere);
        return Ok(current);
    }
    tab.emit(|| AuthEvent::RefreshStarted { reason });
    let used = session.tokens.refresh.clone();
    let response = post_refresh(tab, used.as_deref())
        .await
        .inspect_err(|error| {
            tab.emit(|| AuthEvent::RefreshFailed {
                error: error.clone(),
            });
        })?;
    match response.status() {
        200..=299 => store_refreshed(tab, &latest, session, &response).await,
        400 | 401 => {
            tab.emit(|| AuthEvent::RefreshRefused);
            end_if_still_newest(tab, &latest, &session.id, used.as_deref()).await
        }
        status => {
            let error = response.ok().err().unwrap_or(ApiError::Server { status });
            tab.emit(|| AuthEvent::RefreshFailed {
                error: error.clone(),
            });
            Err(error)
        }
    }
}

/// Sends `refresh`, or nothing where it is an httpOnly cookie the browser sends itself.
async fn post_refresh(tab: &TabSession, refresh: Option<&str>) -> ApiResult<ApiResponse> {
    let wire = &tab.config.wire;
    let body = object_of_strings(refresh.map(|refresh| (wire.refresh_field.as_str(), refresh)));
    let request =
        ApiRequest::post(wire.endpoints.token_refresh.clone()).json_text(body.to_string());
    let target = tab
        .config
        .base
        .locate(&wire.endpoints.token_refresh)
        .ok_or_else(|| ApiError::InvalidUrl {
            path: wire.endpoints.token_refresh.clone(),
        })?;
    exchange(tab, &target, &request, None).await
}

/// The refresh answer: a new access token, and a new refresh token under rotation.
struct RefreshAnswer {
    access: String,
    refresh: Option<String>,
}

impl RefreshAnswer {
    fn from_json(json: &Json, access_field: &str, refresh_field: &str) -> Result<Self, JsonError> {
        Ok(Self {
            access: json.field(access_field, Json::as_str)?.to_owned(),
            refresh: json
                .optional(refresh_field, Json::as_str)?
                // dj-rest-auth sends `"refresh": ""` where the token went into a cookie.
                .filter(|refresh| !refresh.is_empty())
                .map(str::to_owned),
        })
    }
}

async fn store_refreshed(
    tab: &TabSession,
    latest: &StoredState,
    session: Session,
    response: &ApiResponse,
) -> ApiResult<Tokens> {
    let wire = &tab.config.wire;
    // An answer that is not two usable tokens changes nothing: the session is kept, the next try
    // may do.
    let now = now_ms();
    let tokens = response
        .read_json(|json| RefreshAnswer::from_json(json, &wire.access_field, &wire.refresh_field))
        .and_then(|answer| {
            let rotated = answer.refresh.is_some();
            let unusable = |e: crate::session::tokens::TokenError| ApiError::Decode(e.to_string());
            let shared = session
                .tokens
                .refreshed(answer.access.clone(), answer.refresh, now)
                .map_err(unusable)?;
            // `RefreshCookie`: the new access token is this tab's alone, in memory.
            let mine = if tab.config.token_mode.access_in_memory() {
                Some(shared.with_access(answer.access, now).map_err(unusable)?)
            } else {
                None
            };
            Ok((shared, mine, rotated))
        });
    let (shared, mine, rotated) = tokens.inspect_err(|error| {
        tab.emit(|| AuthEvent::RefreshFailed {
            error: error.clone(),
        });
    })?;
    if let Some(mine) = mine {
        tab.remember_access(&session.id, mine);
    }
    let renewed = Session {
        tokens: shared,
        ..session
    };
    let next = tab.next_state(latest, Some(renewed), None);
    let usable = tab.tokens_of(&next);
    tab.write(next).await;
    tab.emit(|| AuthEvent::RefreshFinished { rotated });
    usable.ok_or(ApiError::SessionExpired)
}

/// The server refused `used` (the refresh cookie where it is `None`). Under the cross-tab lock
/// nobody has written since this refresh read `read`, so `used` is the newest and the session is
/// over; only the best-effort lease (see [`crate::tabs::lock`]) lets another tab in, so that is
/// checked once more. Where another tab has renewed the session, its tokens are the answer.
async fn end_if_still_newest(
    tab: &Rc<TabSession>,
    read: &StoredState,
    session_id: &str,
    used: Option<&str>,
) -> ApiResult<Tokens> {
    let newest = tab.read_latest().await;
    let still_newest = newest.session.as_ref().is_some_and(|session| {
        session.id == session_id
            && match used {
                Some(used) => session.tokens.refresh.as_deref() == Some(used),
                None => newest.stamp == read.stamp,
            }
    });
    if still_newest {
        tab.write(tab.next_state(&newest, None, Some(SessionEnd::Expired)))
            .await;
        return Err(ApiError::SessionExpired);
    }
    let tokens = tab.tokens_of(&newest);
    tab.adopt(newest);
    tokens.ok_or(ApiError::SessionExpired)
}
