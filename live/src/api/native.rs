//! The native endpoints: the run's state and scenario, faults injected and repaired, pause
//! and resume.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Shared;
use super::error::{ApiError, JsonBody};
use crate::control::{ControlError, ScenarioInfo};
use crate::state::{InjectedFault, StateView};

/// How many generated ids an injection tries when the driver says each is taken.
const ID_ATTEMPTS: usize = 8;

pub async fn state(State(s): State<Arc<Shared>>) -> Result<Json<StateView>, ApiError> {
    Ok(Json(s.api.handle.state().await?))
}

pub async fn scenario(State(s): State<Arc<Shared>>) -> Json<ScenarioInfo> {
    Json(s.api.handle.scenario.as_ref().clone())
}

/// `POST /faults`: the keys of a `[[fault]]` table; an `id` is generated (`api-N`) when the
/// request has none. 201 with the recorded fault.
pub async fn inject(State(s): State<Arc<Shared>>, JsonBody(body): JsonBody) -> Result<(StatusCode, Json<InjectedFault>), ApiError> {
    let Value::Object(mut fault) = body else {
        return Err(ApiError::bad_request(
            "a fault is a JSON object with the keys of a scenario [[fault]] table (id, target, action, duration, …)",
        ));
    };
    let handle = &s.api.handle;
    match fault.get("id") {
        None | Some(Value::Null) => {}
        Some(Value::String(id)) if !id.trim().is_empty() => {
            return Ok((StatusCode::CREATED, Json(handle.inject(Value::Object(fault)).await?)));
        }
        Some(other) => return Err(ApiError::bad_request(format!("`id` must be a non-empty string, not {other}"))),
    }
    let view = handle.state().await?;
    let taken: BTreeSet<String> = view.faults.into_iter().map(|f| f.id).chain(view.injected.into_iter().map(|f| f.id)).collect();
    let mut attempts = 0;
    loop {
        let id = format!("api-{}", s.last_fault.fetch_add(1, Ordering::Relaxed) + 1);
        if taken.contains(&id) {
            continue;
        }
        attempts += 1;
        fault.insert("id".into(), Value::String(id.clone()));
        match handle.inject(Value::Object(fault.clone())).await {
            // Another client took the id meanwhile, or an element of the model has it (the
            // scenario's ids are one namespace): try the next one.
            Err(ControlError::Conflict(_)) if attempts < ID_ATTEMPTS => continue,
            Err(ControlError::Invalid(m)) if attempts < ID_ATTEMPTS && m.contains(&format!("`{id}`")) => continue,
            r => return Ok((StatusCode::CREATED, Json(r?))),
        }
    }
}

/// `DELETE /faults/{id}`: repairs the fault now; 200 with the recorded fault.
pub async fn repair(State(s): State<Arc<Shared>>, Path(id): Path<String>) -> Result<Json<InjectedFault>, ApiError> {
    Ok(Json(s.api.handle.repair(&id).await?))
}

pub async fn pause(State(s): State<Arc<Shared>>) -> Result<Json<Value>, ApiError> {
    s.api.handle.pause().await?;
    Ok(Json(json!({ "paused": true })))
}

pub async fn resume(State(s): State<Arc<Shared>>) -> Result<Json<Value>, ApiError> {
    s.api.handle.resume().await?;
    Ok(Json(json!({ "paused": false })))
}
