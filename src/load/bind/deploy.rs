//! Binding of `services.NAME.deploy` and device requests (`gpus`).

use super::scalar::*;
use super::service::list;
use crate::load::node::{At, Node, Value};
use crate::model::*;

const IS: &str = "integer or string";
const NS: &str = "number or string";

/// `deploy: null` is allowed and means no deploy section.
pub fn deploy(n: &Node, p: &At<'_>) -> R<Option<Deploy>> {
    if n.is_null() {
        return Ok(None);
    }
    let mut d = Deploy::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "mode" => d.mode = ostring(v, kp)?,
            "endpoint_mode" => d.endpoint_mode = ostring(v, kp)?,
            "replicas" => d.replicas = oint(v, kp, IS)?,
            "labels" => d.labels = mapping(v, kp)?,
            "rollback_config" => d.rollback_config = Some(update_config(v, kp)?),
            "update_config" => d.update_config = Some(update_config(v, kp)?),
            "resources" => d.resources = resources(v, kp)?,
            "restart_policy" => d.restart_policy = Some(restart_policy(v, kp)?),
            "placement" => d.placement = placement(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    d.extensions = ext;
    Ok(Some(d))
}

fn update_config(n: &Node, p: &At<'_>) -> R<UpdateConfig> {
    let mut u = UpdateConfig::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "parallelism" => u.parallelism = ouint(v, kp, IS)?,
            "delay" => u.delay = duration(v, kp)?,
            "failure_action" => u.failure_action = ostring(v, kp)?,
            "monitor" => u.monitor = duration(v, kp)?,
            "max_failure_ratio" => u.max_failure_ratio = cpus(v, kp, NS)?,
            "order" => u.order = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    u.extensions = ext;
    Ok(u)
}

fn resources(n: &Node, p: &At<'_>) -> R<Resources> {
    let mut r = Resources::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "limits" => r.limits = Some(resource(v, kp, false)?),
            "reservations" => r.reservations = Some(resource(v, kp, true)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    r.extensions = ext;
    Ok(r)
}

/// `limits` (cpus, memory, pids) or `reservations` (cpus, memory, devices, generic resources).
fn resource(n: &Node, p: &At<'_>, reservation: bool) -> R<Resource> {
    let mut r = Resource::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match (k, reservation) {
            ("cpus", _) => r.cpus = cpus(v, kp, NS)?,
            ("memory", _) => r.memory = bytes(v, kp, "string")?,
            ("pids", false) => r.pids = oint(v, kp, IS)?,
            ("devices", true) => r.devices = list(v, kp, reserved_device)?,
            ("generic_resources", true) => r.generic_resources = list(v, kp, generic_resource)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    r.extensions = ext;
    Ok(r)
}

/// `gpus: all` or a list of device requests.
pub fn gpus(n: &Node, p: &At<'_>) -> R<Vec<DeviceRequest>> {
    if let Value::Str(_) = n.value {
        return Ok(vec![DeviceRequest {
            count: Some(-1),
            ..DeviceRequest::default()
        }]);
    }
    list(n, p, device_request)
}

/// `capabilities` is required under `deploy`, not under `gpus`.
fn reserved_device(n: &Node, p: &At<'_>) -> R<DeviceRequest> {
    let d = device_request(n, p)?;
    require(n, p, &["capabilities"])?;
    Ok(d)
}

fn device_request(n: &Node, p: &At<'_>) -> R<DeviceRequest> {
    let mut d = DeviceRequest::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "capabilities" => d.capabilities = strings(v, kp)?,
            "count" => d.count = Some(device_count(v, kp)?),
            "device_ids" => d.device_ids = strings(v, kp)?,
            "driver" => d.driver = ostring(v, kp)?,
            "options" => d.options = mapping(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    d.extensions = ext;
    Ok(d)
}

/// A number, or `all` (-1).
fn device_count(n: &Node, p: &At<'_>) -> R<i64> {
    match &n.value {
        Value::Str(s) if s.eq_ignore_ascii_case("all") => Ok(-1),
        Value::Str(s) => s.parse().map_err(|_| {
            err(
                n,
                p,
                format!("invalid value {s:?}, the only value allowed is 'all' or a number"),
            )
        }),
        Value::Int(i) => Ok(*i),
        _ => Err(type_err(n, p, "integer or string")),
    }
}

fn generic_resource(n: &Node, p: &At<'_>) -> R<GenericResource> {
    let mut g = GenericResource::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "discrete_resource_spec" => g.discrete_resource_spec = Some(discrete_resource(v, kp)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    g.extensions = ext;
    Ok(g)
}

fn discrete_resource(n: &Node, p: &At<'_>) -> R<DiscreteResource> {
    let mut d = DiscreteResource::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "kind" => d.kind = string(v, kp)?,
            "value" => d.value = int(v, kp, NS)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    d.extensions = ext;
    Ok(d)
}

fn restart_policy(n: &Node, p: &At<'_>) -> R<RestartPolicy> {
    let mut r = RestartPolicy::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "condition" => r.condition = ostring(v, kp)?,
            "delay" => r.delay = duration(v, kp)?,
            "max_attempts" => r.max_attempts = ouint(v, kp, IS)?,
            "window" => r.window = duration(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    r.extensions = ext;
    Ok(r)
}

fn placement(n: &Node, p: &At<'_>) -> R<Placement> {
    let mut o = Placement::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "constraints" => o.constraints = strings(v, kp)?,
            "preferences" => o.preferences = list(v, kp, preference)?,
            "max_replicas_per_node" => o.max_replicas_per_node = ouint(v, kp, IS)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}

fn preference(n: &Node, p: &At<'_>) -> R<PlacementPreference> {
    let mut o = PlacementPreference::default();
    let mut ext = Extensions::new();
    fields(n, p, Some(&mut ext), |k, v, kp| {
        match k {
            "spread" => o.spread = ostring(v, kp)?,
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    o.extensions = ext;
    Ok(o)
}
