//! One refresh at a time: shared by every request of this tab that needs it, and run under the
//! cross-tab lock, after reading the newest tokens any tab has stored. A tab never sends a
//! refresh token that another tab has already rotated, and a refused refresh ends the session
//! only when the refused token is still the newest one there is.

use std::rc::Rc;

use futures::FutureExt;

use crate::clock::now_ms;
use crate::core::Core;
use crate::error::{ApiError, ApiResult};
use crate::events::{AuthEvent, RefreshReason};
use crate::json::{Json, JsonError};
use crate::request::ApiRequest;
use crate::session::{Session, SessionEnd, StoredState};
use crate::transport::ApiResponse;
use crate::user::SessionUser;

/// Refreshes because `stale` is no good: joins the refresh under way in this tab, or starts one.
/// Returns the access token to use.
pub(crate) async fn refresh_replacing<U: SessionUser>(
    core: &Rc<Core<U>>,
    stale: Option<String>,
    reason: RefreshReason,
) -> ApiResult<String> {
    let flight = {
        let mut slot = core.flight.borrow_mut();
        match slot.as_ref() {
            Some(flight) => flight.clone(),
            None => {
                let flight = refresh_once(core.clone(), stale, reason)
                    .boxed_local()
                    .shared();
                *slot = Some(flight.clone());
                // Driven to the end even if every caller stops waiting: otherwise its answer
                // would sit unread until the next request, holding the cross-tab lock.
                leptos::task::spawn_local(flight.clone().map(drop));
                flight
            }
        }
    };
    flight.await
}

async fn refresh_once<U: SessionUser>(
    core: Rc<Core<U>>,
    stale: Option<String>,
    reason: RefreshReason,
) -> ApiResult<String> {
    let outcome = core
        .transact(
            move |core, latest| async move { refresh_locked(&core, latest, stale, reason).await },
        )
        .await
        // No lock in time: another tab holds it far too long. Refreshing anyway could race it.
        .unwrap_or(Err(ApiError::Timeout));
    core.flight.borrow_mut().take();
    outcome
}

async fn refresh_locked<U: SessionUser>(
    core: &Rc<Core<U>>,
    latest: StoredState<U>,
    stale: Option<String>,
    reason: RefreshReason,
) -> ApiResult<String> {
    // No session: logged out, or its refresh token ran out (the state says which).
    let Some(session) = latest.session.clone() else {
        return Err(ApiError::SessionExpired);
    };
    let replaced = stale.as_deref() != Some(session.tokens.access.as_str());
    if replaced && !core.refresh_due(&session.tokens) {
        core.emit(|| AuthEvent::RefreshedElsewhere);
        return Ok(session.tokens.access);
    }
    core.emit(|| AuthEvent::RefreshStarted { reason });
    let used = session.tokens.refresh.clone();
    let response = post_refresh(core, &used).await.inspect_err(|error| {
        core.emit(|| AuthEvent::RefreshFailed {
            error: error.clone(),
        });
    })?;
    match response.status {
        200..=299 => store_refreshed(core, &latest, session, &response).await,
        400 | 401 => {
            core.emit(|| AuthEvent::RefreshRefused);
            end_if_still_newest(core, &session.id, &used).await
        }
        status => {
            let error = response.ok().err().unwrap_or(ApiError::Server { status });
            core.emit(|| AuthEvent::RefreshFailed {
                error: error.clone(),
            });
            Err(error)
        }
    }
}

async fn post_refresh<U: SessionUser>(core: &Core<U>, refresh: &str) -> ApiResult<ApiResponse> {
    let endpoints = &core.config.endpoints;
    let request =
        ApiRequest::post(endpoints.token_refresh.clone()).json_fields([("refresh", refresh)]);
    let target = core
        .config
        .base
        .locate(&endpoints.token_refresh)
        .ok_or(ApiError::Network)?;
    crate::client::exchange(core, &target, &request, None).await
}

/// `jwt/refresh/`'s answer: a new access token, and a new refresh token under rotation.
struct RefreshAnswer {
    access: String,
    refresh: Option<String>,
}

impl RefreshAnswer {
    fn from_json(json: &Json) -> Result<Self, JsonError> {
        Ok(Self {
            access: json.field("access", Json::as_str)?.to_owned(),
            refresh: json.optional("refresh", Json::as_str)?.map(str::to_owned),
        })
    }
}

async fn store_refreshed<U: SessionUser>(
    core: &Core<U>,
    latest: &StoredState<U>,
    session: Session<U>,
    response: &ApiResponse,
) -> ApiResult<String> {
    // An answer that is not two JWTs changes nothing: the session is kept, the next try may do.
    let tokens = response
        .read_json(RefreshAnswer::from_json)
        .and_then(|answer| {
            let rotated = answer.refresh.is_some();
            session
                .tokens
                .refreshed(answer.access, answer.refresh, now_ms())
                .map(|tokens| (tokens, rotated))
                .map_err(|e| ApiError::Decode(e.to_string()))
        });
    let (tokens, rotated) = tokens.inspect_err(|error| {
        core.emit(|| AuthEvent::RefreshFailed {
            error: error.clone(),
        });
    })?;
    let access = tokens.access.clone();
    let renewed = Session { tokens, ..session };
    core.write(core.next_state(latest, Some(renewed), None))
        .await;
    core.emit(|| AuthEvent::RefreshFinished { rotated });
    Ok(access)
}

/// The server refused `used`. Under the cross-tab lock nobody has written since this refresh
/// read the state, so `used` is the newest token and the session is over; only the best-effort
/// lease (see [`crate::lock`]) lets another tab in, so that is checked once more. Where another
/// tab has renewed the session, its token is the answer.
async fn end_if_still_newest<U: SessionUser>(
    core: &Rc<Core<U>>,
    session_id: &str,
    used: &str,
) -> ApiResult<String> {
    let newest = core.read_latest().await;
    let still_newest = newest
        .session
        .as_ref()
        .is_some_and(|session| session.id == session_id && session.tokens.refresh == used);
    if still_newest {
        core.write(core.next_state(&newest, None, Some(SessionEnd::Expired)))
            .await;
        return Err(ApiError::SessionExpired);
    }
    let access = newest.session.as_ref().map(|s| s.tokens.access.clone());
    core.adopt(newest);
    access.ok_or(ApiError::SessionExpired)
}
